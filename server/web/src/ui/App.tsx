import { Admin } from '../admin/Admin';
import { notice } from '../state/notice';
import { parse, path } from '../state/router';
import { me, restoring } from '../state/session';
import { Shell } from './Shell';
import { SignIn } from './SignIn';

/** The whole client: sign-in, or the chat and its admin pages. */
export function App() {
  const n = notice.value;
  let body;
  if (restoring.value) body = <div class="splash" aria-busy="true">Loading Capsule…</div>;
  else if (!me.value) body = <SignIn />;
  else {
    const route = parse(path.value);
    body = route.kind === 'admin' ? <Admin section={route.section} /> : <Shell route={route} />;
  }
  return (
    <>
      {body}
      <div class={`notice ${n ? `notice-${n.kind}` : 'notice-hidden'}`} role={n?.kind === 'error' ? 'alert' : 'status'} aria-live="polite">
        {n?.text}
      </div>
    </>
  );
}
