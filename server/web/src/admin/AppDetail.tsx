import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/rest';
import { attempt, fail, tell } from '../state/notice';
import { DropZone, FAULTY } from './AppsAdmin';
import { explain } from './permissions';
import { Settings } from './Settings';
import type { AppView } from './types';

/** One app: what it was granted, enable or disable, update, uninstall, settings and logs. */
export function AppDetail({
  app,
  onChanged,
  onReview,
  onGone,
}: {
  app: AppView;
  onChanged: () => void;
  onReview: (app: AppView) => void;
  onGone: () => void;
}) {
  const [keepData, setKeepData] = useState(false);
  const path = `apps/${encodeURIComponent(app.id)}`;
  const running = app.status === 'enabled';

  const setStatus = (status: 'manually_enabled' | 'manually_disabled') =>
    attempt(async () => {
      const answer = await call('POST', `${path}/status`, { body: { status } });
      tell(`${app.name} is ${answer.app.status.replace(/_/g, ' ')}`);
      onChanged();
    });
  const update = (file: File) =>
    attempt(async () => {
      const form = new FormData();
      form.append('app', file);
      const answer = await call('POST', path, { form });
      if (answer.app.pendingUpdate) onReview(answer.app);
      else tell(`${app.name} is updated to ${answer.app.version}`);
      onChanged();
    });
  const uninstall = () => {
    const what = keepData ? 'Its data and settings are kept for a later install.' : 'Its data and settings are deleted.';
    if (!confirm(`Uninstall ${app.name}? ${what}`)) return;
    void attempt(async () => {
      await call('DELETE', path + (keepData ? '?keepData=true' : ''));
      tell(`${app.name} is uninstalled`);
      onGone();
    });
  };

  return (
    <section class="card app-detail" aria-label={`App ${app.name}`}>
      <header class="app-detail-head">
        <h3>
          {app.name} <span class="muted">{app.version}</span>
        </h3>
        <span class={`status status-${app.status}`}>{app.status.replace(/_/g, ' ')}</span>
      </header>
      {app.reason && <p class={FAULTY.has(app.status) ? 'reason' : 'muted'}>{app.reason}</p>}
      <div class="actions">
        {running || app.enabled ? (
          <button onClick={() => setStatus('manually_disabled')}>Disable</button>
        ) : (
          <button class="primary" onClick={() => setStatus('manually_enabled')}>
            Enable
          </button>
        )}
        {app.pendingUpdate && <button onClick={() => onReview(app)}>Review the waiting update</button>}
      </div>
      <h4>Granted</h4>
      <ul class="permissions">
        {(app.grantedPermissions ?? []).map((p) => (
          <li key={p.name}>
            {explain(p)} <code>{p.name}</code>
          </li>
        ))}
        {!app.grantedPermissions && <li>Nothing yet: it waits for your grant.</li>}
      </ul>
      <h4>Update</h4>
      <DropZone label="Upload a newer package" onFile={update} />
      <Settings path={path} />
      <Logs path={path} />
      <h4>Uninstall</h4>
      <div class="actions">
        <label class="check">
          <input type="checkbox" checked={keepData} onChange={() => setKeepData(!keepData)} /> Keep its data and settings
        </label>
        <button class="danger" onClick={uninstall}>
          Uninstall
        </button>
      </div>
    </section>
  );
}

interface LogEntry {
  at?: unknown;
  level?: string;
  source?: string;
  message: string;
}

function Logs({ path }: { path: string }) {
  const [logs, setLogs] = useState<{ logs: LogEntry[]; lastFault?: string; health?: { calls: number; faults: number; faultsInARow: number } } | null>(null);
  const load = () =>
    call('GET', `${path}/logs`, { query: { count: 50 } })
      .then(setLogs)
      .catch(fail);
  useEffect(() => void load(), [path]);
  return (
    <>
      <h4>
        Logs and faults <button class="link" onClick={load}>Refresh</button>
      </h4>
      {logs?.lastFault && <p class="reason">Last fault: {logs.lastFault}</p>}
      {logs?.health && (
        <p class="muted">
          {logs.health.calls} calls, {logs.health.faults} faults ({logs.health.faultsInARow} in a row)
        </p>
      )}
      <ol class="logs">
        {logs?.logs.map((entry, i) => (
          <li key={i} class={`log-${entry.level ?? 'info'}`}>
            <span class="muted">{entry.level}</span> {entry.message}
          </li>
        ))}
        {logs && !logs.logs.length && <li class="muted">Nothing logged yet.</li>}
      </ol>
    </>
  );
}
