import { useEffect, useState } from 'react';
import { timeline, type TaskView } from '../state/workflow-view.ts';
import { formatMs } from './format.ts';

/** Task spans on one time axis from the first start; running spans grow every second; the critical path marked. */
export function Gantt({ tasks, critical, running }: { tasks: readonly TaskView[]; critical: readonly string[]; running: boolean }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  const { spans, total } = timeline(tasks, now);
  if (spans.length === 0) return null;
  return (
    <section className="card gantt" aria-labelledby="gantt-title">
      <h2 id="gantt-title">
        Timeline <span className="muted">{formatMs(total)}</span>
      </h2>
      <ol className="gantt-rows">
        {spans.map((s) => (
          <li key={s.key} className={`gantt-row${critical.includes(s.key) ? ' critical' : ''}`} data-gantt-key={s.key}>
            <span className="gantt-label">#{s.key}</span>
            <span className="gantt-track">
              <span
                className={`gantt-bar status-bg-${s.status.toLowerCase()}`}
                style={{ left: `${(s.from / total) * 100}%`, width: `${Math.max(0.5, ((s.to - s.from) / total) * 100)}%` }}
                title={`${formatMs(s.to - s.from)}`}
              />
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
