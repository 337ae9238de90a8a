import { useCallback, useState } from 'react';
import { ApiError } from '../api/client.ts';

/**
 * Runs an action (a mutation) and says whether it went through. `taskKey`: the node the action was
 * taken on. A failure is shown on the node the server's error names (extensions.taskKey, e.g.
 * PLAN_INVALID), else on the node the action came from, else at the top of the page.
 */
export type Act = (label: string, run: () => Promise<unknown>, taskKey?: string) => Promise<boolean>;

export interface ActState {
  act: Act;
  /** The last error per task key. */
  nodeErrors: Readonly<Record<string, string>>;
  /** The last error no task is named in. */
  error: string | null;
  /** Its extensions.code (BUDGET_EXCEEDED gets its own message and a way to raise the budget). */
  errorCode: string | null;
  clearErrors: () => void;
}

export function useAct(): ActState {
  const [nodeErrors, setNodeErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [errorCode, setErrorCode] = useState<string | null>(null);
  const clearErrors = useCallback(() => {
    setNodeErrors({});
    setError(null);
    setErrorCode(null);
  }, []);
  const act = useCallback<Act>(async (label, run, taskKey) => {
    setError(null);
    setErrorCode(null);
    if (taskKey) setNodeErrors(({ [taskKey]: _, ...rest }) => rest);
    try {
      await run();
      return true;
    } catch (err) {
      const message = err instanceof ApiError ? err.message : `${label} failed`;
      const key = (err instanceof ApiError ? err.taskKey : null) ?? taskKey;
      if (key) setNodeErrors((m) => ({ ...m, [key]: message }));
      else {
        setError(message);
        setErrorCode(err instanceof ApiError ? err.code : null);
      }
      return false;
    }
  }, []);
  return { act, nodeErrors, error, errorCode, clearErrors };
}
