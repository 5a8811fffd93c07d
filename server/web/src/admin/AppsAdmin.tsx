import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/rest';
import { attempt, fail, tell } from '../state/notice';
import { AppDetail } from './AppDetail';
import { AuditLog } from './AuditLog';
import { Review } from './Review';
import { TrustedKeys } from './TrustedKeys';
import type { AppView } from './types';

/** Statuses whose reason is a problem to look at. */
export const FAULTY = new Set(['disabled_after_faults', 'refused', 'invalid_settings']);

/** The apps page: installed apps, upload, review, keys and the audit log. */
export function AppsAdmin() {
  const [apps, setApps] = useState<AppView[] | null>(null);
  const [reviewing, setReviewing] = useState<AppView | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [auditVersion, setAuditVersion] = useState(0);

  const reload = () =>
    call('GET', 'apps')
      .then((answer) => setApps(answer.apps))
      .catch(fail);
  useEffect(() => void reload(), []);
  const changed = () => {
    void reload();
    setAuditVersion((v) => v + 1);
  };

  const upload = (file: File) =>
    attempt(async () => {
      const form = new FormData();
      form.append('app', file);
      const answer = await call('POST', 'apps', { form });
      setReviewing(answer.app);
      changed();
    });

  return (
    <>
      <section aria-labelledby="apps-title">
        <h2 id="apps-title">Installed apps</h2>
        <DropZone label="Upload an app package (.zip)" onFile={upload} />
        {reviewing && (
          <Review
            app={reviewing}
            onDone={(app) => {
              setReviewing(null);
              tell(`${app.name} ${app.version} is installed: ${app.status.replace(/_/g, ' ')}`);
              setOpen(app.id);
              changed();
            }}
          />
        )}
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
                <th>Faults</th>
              </tr>
            </thead>
            <tbody>
              {apps.map((app) => (
                <tr key={app.id} data-app={app.id}>
                  <td>
                    <button class="link" aria-expanded={open === app.id} onClick={() => setOpen(open === app.id ? null : app.id)}>
                      <strong>{app.name}</strong>
                    </button>
                    <div class="muted">{app.id}</div>
                  </td>
                  <td>{app.version}</td>
                  <td>
                    <span class={`status status-${app.status}`}>{app.status.replace(/_/g, ' ')}</span>
                    {app.reason && <div class={FAULTY.has(app.status) ? 'reason' : 'muted'}>{app.reason}</div>}
                    {app.pendingUpdate && <div class="muted">Update to {app.pendingUpdate.version} waits for your grant</div>}
                  </td>
                  <td>
                    {app.signature.publisher ?? app.signature.kind} {app.signature.keyId && <code>{app.signature.keyId}</code>}
                  </td>
                  <td>{app.health ? `${app.health.faults} of ${app.health.calls} calls` : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {open && apps?.find((a) => a.id === open) && (
          <AppDetail
            key={open}
            app={apps.find((a) => a.id === open)!}
            onChanged={changed}
            onReview={setReviewing}
            onGone={() => {
              setOpen(null);
              changed();
            }}
          />
        )}
      </section>
      <TrustedKeys onChanged={changed} />
      <AuditLog version={auditVersion} />
    </>
  );
}

/** A drop target (and file picker) for an app package. */
export function DropZone({ label, onFile }: { label: string; onFile: (file: File) => void }) {
  const [over, setOver] = useState(false);
  return (
    <label
      class={`dropzone ${over ? 'over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file) onFile(file);
      }}
    >
      <span>{label}: drop it here, or choose a file</span>
      <input
        type="file"
        accept=".zip,application/zip"
        onChange={(e) => {
          const input = e.target as HTMLInputElement;
          const file = input.files?.[0];
          if (file) onFile(file);
          input.value = '';
        }}
      />
    </label>
  );
}
