import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/rest';
import { fail } from '../state/notice';
import { register, signIn } from '../state/session';

/** Sign in, or register when the server's registration is open. */
export function SignIn() {
  const [mode, setMode] = useState<'signin' | 'register'>('signin');
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    get('settings.public', { _id: 'Accounts_RegistrationForm' })
      .then((answer) => setOpen(answer.settings?.some((s: { value: unknown }) => s.value === 'Public')))
      .catch(() => setOpen(false));
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const field = (name: string) => String(form.get(name) ?? '');
    setBusy(true);
    setError('');
    try {
      if (mode === 'signin') await signIn(field('user'), field('password'));
      else await register({ username: field('username'), email: field('email'), name: field('name'), pass: field('password') });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <div class="brand" aria-hidden="true">
          <img src="/favicon.svg" alt="" width="40" height="40" />
        </div>
        <h1 id="signin-title">{mode === 'signin' ? 'Sign in to Capsule' : 'Create your account'}</h1>
        {mode === 'signin' ? (
          <label>
            Username or e-mail
            <input name="user" autocomplete="username" required autofocus />
          </label>
        ) : (
          <>
            <label>
              Name
              <input name="name" autocomplete="name" required autofocus />
            </label>
            <label>
              Username
              <input name="username" autocomplete="username" required pattern="[A-Za-z0-9._-]+" />
            </label>
            <label>
              E-mail
              <input name="email" type="email" autocomplete="email" required />
            </label>
          </>
        )}
        <label>
          Password
          <input name="password" type="password" autocomplete={mode === 'signin' ? 'current-password' : 'new-password'} required />
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button class="primary" type="submit" disabled={busy}>
          {mode === 'signin' ? 'Sign in' : 'Register'}
        </button>
        {open && (
          <button type="button" class="link" onClick={() => setMode(mode === 'signin' ? 'register' : 'signin')}>
            {mode === 'signin' ? 'New here? Create an account' : 'Have an account? Sign in'}
          </button>
        )}
      </form>
    </main>
  );
}
