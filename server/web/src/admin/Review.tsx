import { useState } from 'preact/hooks';
import { call } from '../api/rest';
import { attempt } from '../state/notice';
import { explain, permissionKey, type Permission } from './permissions';
import type { AppView } from './types';

/** Reviewing what an uploaded app (or a waiting update) asks for, and granting it. */
export function Review({ app, onDone }: { app: AppView; onDone: (app: AppView) => void }) {
  const update = app.pendingUpdate;
  const requested = update ? update.permissions : app.requestedPermissions;
  const imports = new Set(update ? update.requiredImports : app.requiredImports);
  const before = new Set((app.grantedPermissions ?? []).map(permissionKey));
  const [chosen, setChosen] = useState(() => new Set(requested.map(permissionKey)));
  const signer = app.signature;

  const toggle = (p: Permission) => {
    const next = new Set(chosen);
    const key = permissionKey(p);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setChosen(next);
  };
  const grant = () =>
    attempt(async () => {
      const permissions = requested.filter((p) => chosen.has(permissionKey(p)));
      const answer = await call('POST', `apps/${encodeURIComponent(app.id)}/grants`, { body: { permissions } });
      onDone(answer.app);
    });

  return (
    <section class="card review" aria-labelledby="review-title">
      <h3 id="review-title">
        {update ? `Update ${app.name} to ${update.version}` : `Install ${app.name} ${app.version}`}
      </h3>
      {app.description && <p>{app.description}</p>}
      <dl class="facts">
        <dt>App id</dt>
        <dd><code>{app.id}</code></dd>
        <dt>Signed by</dt>
        <dd>
          {signer.kind === 'signed' ? (
            <>
              {signer.publisher} <code>{signer.keyId}</code> (a key this server trusts)
            </>
          ) : signer.kind === 'untrusted_allowed' ? (
            <strong class="danger">an untrusted key {signer.keyId}, allowed by development mode</strong>
          ) : (
            <strong class="danger">nobody: unsigned, allowed by development mode</strong>
          )}
        </dd>
        {!!app.manifest.implements?.length && (
          <>
            <dt>Called for</dt>
            <dd>{app.manifest.implements.join(', ')}</dd>
          </>
        )}
        {!!app.manifest.commands?.length && (
          <>
            <dt>Commands</dt>
            <dd>{app.manifest.commands.map((c) => `/${c.command}`).join(', ')}</dd>
          </>
        )}
      </dl>
      <h4>It asks to</h4>
      <ul class="permissions">
        {requested.map((p) => {
          const key = permissionKey(p);
          const needed = imports.has(p.name);
          const isNew = update && !before.has(key);
          return (
            <li key={key}>
              <label class="check">
                <input type="checkbox" checked={chosen.has(key)} disabled={needed} onChange={() => toggle(p)} />
                <span>
                  {explain(p)} <code>{p.name}</code>
                  {isNew && <strong class="new-permission"> new</strong>}
                  {needed && <span class="muted"> (the app cannot run without it)</span>}
                </span>
              </label>
            </li>
          );
        })}
        {!requested.length && <li>Nothing: it runs with no access to the chat.</li>}
      </ul>
      <button class="primary" onClick={grant}>
        {update ? 'Grant and update' : 'Grant and install'}
      </button>
    </section>
  );
}
