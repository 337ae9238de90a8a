import type { BudgetFields } from '../state/budget.ts';

/**
 * The budget's inputs (max tokens, max USD, on exceed), shared by the request box and the Set budget
 * form. Uncontrolled: the form reads them with FormData (`budgetFieldsOf` in state/budget.ts).
 */
export function BudgetFieldset({ idPrefix, initial, legend }: { idPrefix: string; initial?: BudgetFields; legend: string }) {
  return (
    <fieldset className="budget-fields">
      <legend>{legend}</legend>
      <label htmlFor={`${idPrefix}-max-tokens`}>
        Max tokens
        <input id={`${idPrefix}-max-tokens`} name="maxTokens" type="number" min={1} step={1} inputMode="numeric" placeholder="no limit" defaultValue={initial?.maxTokens ?? ''} />
      </label>
      <label htmlFor={`${idPrefix}-max-usd`}>
        Max USD
        <input id={`${idPrefix}-max-usd`} name="maxCostUsd" type="number" min={0} step="any" inputMode="decimal" placeholder="no limit" defaultValue={initial?.maxCostUsd ?? ''} />
      </label>
      <label htmlFor={`${idPrefix}-on-exceed`}>
        On exceed
        <select id={`${idPrefix}-on-exceed`} name="onExceed" defaultValue={initial?.onExceed ?? 'STOP'}>
          <option value="STOP">stop the run</option>
          <option value="PAUSE">pause it</option>
        </select>
      </label>
    </fieldset>
  );
}
