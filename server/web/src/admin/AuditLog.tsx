import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/rest';
import { fail } from '../state/notice';

interface Entry {
  _id: string;
  ts: string;
  actor: { username: string };
  action: string;
  appId?: string;
  detail?: unknown;
}

/** Who changed what in app administration, newest first. */
export function AuditLog({ version }: { version: number }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  useEffect(() => {
    call('GET', 'apps/audit', { query: { count: 50 } })
      .then((answer) => setEntries(answer.entries))
      .catch(fail);
  }, [version]);
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <table class="apps-table audit">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>App</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e._id}>
              <td>{when.format(new Date(e.ts))}</td>
              <td>{e.actor?.username}</td>
              <td>
                {e.action.replace(/_/g, ' ')}
                {e.detail ? <div class="muted">{typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)}</div> : null}
              </td>
              <td>{e.appId}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
