import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/rest';
import { fail } from '../state/notice';

/** An installed app as the apps admin API shows it. */
export interface AppView {
  id: string;
  name: string;
  version: string;
  description?: string;
  status: string;
  reason?: string;
  enabled: boolean;
  signature: { kind: string; keyId?: string; publisher?: string };
}

/** The installed apps. */
export function AppsAdmin() {
  const [apps, setApps] = useState<AppView[] | null>(null);
  useEffect(() => {
    call('GET', 'apps')
      .then((answer) => setApps(answer.apps))
      .catch(fail);
  }, []);
  return (
    <section>
      <h2>Installed apps</h2>
      {!apps ? (
        <p aria-busy="true">Loading…</p>
      ) : !apps.length ? (
        <p>No apps are installed.</p>
      ) : (
        <table class="apps-table">
          <thead>
            <tr>
              <th>App</th>
              <th>Version</th>
              <th>Status</th>
              <th>Publisher key</th>
            </tr>
          </thead>
          <tbody>
            {apps.map((app) => (
              <tr key={app.id}>
                <td>
                  <strong>{app.name}</strong>
                  <div class="muted">{app.id}</div>
                </td>
                <td>{app.version}</td>
                <td>
                  <span class={`status status-${app.status}`}>{app.status.replace(/_/g, ' ')}</span>
                  {app.reason && <div class="muted">{app.reason}</div>}
                </td>
                <td>{app.signature.publisher ?? app.signature.kind} <code>{app.signature.keyId}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
