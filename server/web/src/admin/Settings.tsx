import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/rest';
import { attempt, fail, tell } from '../state/notice';

interface Setting {
  id: string;
  type: 'text' | 'number' | 'boolean';
  label: string;
  description?: string;
  required: boolean;
  secret: boolean;
  default?: unknown;
  set: boolean;
  value?: unknown;
}

/** A form built from the manifest's typed settings; secrets are write-only. */
export function Settings({ path }: { path: string }) {
  const [settings, setSettings] = useState<Setting[] | null>(null);
  useEffect(() => {
    call('GET', `${path}/settings`)
      .then((answer) => setSettings(Object.values(answer.settings)))
      .catch(fail);
  }, [path]);
  if (!settings?.length) return null;

  const save = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const values: Record<string, unknown> = {};
    for (const s of settings) {
      const raw = form.get(s.id);
      if (s.type === 'boolean') values[s.id] = raw === 'on';
      else if (s.secret && !raw) continue; // an empty secret field keeps the secret
      else if (s.type === 'number') values[s.id] = raw === '' ? null : Number(raw);
      else values[s.id] = String(raw ?? '');
    }
    void attempt(async () => {
      const answer = await call('POST', `${path}/settings`, { body: { settings: values } });
      setSettings(Object.values(answer.settings));
      tell('Settings saved');
    });
  };

  return (
    <form class="settings" onSubmit={save} aria-label="Settings">
      <h4>Settings</h4>
      {settings.map((s) => {
        const current = s.value ?? s.default;
        const hint = s.description && <span class="muted">{s.description}</span>;
        if (s.type === 'boolean') {
          return (
            <label class="check" key={s.id}>
              <input type="checkbox" name={s.id} defaultChecked={current === true} /> {s.label} {hint}
            </label>
          );
        }
        return (
          <label key={s.id}>
            {s.label}
            {s.required && ' (required)'}
            {hint}
            <input
              name={s.id}
              type={(s.secret ? 'password' : s.type === 'number' ? 'number' : 'text') as 'text'}
              autocomplete={s.secret ? 'new-password' : 'off'}
              placeholder={s.secret ? (s.set ? 'A value is set: type to replace it' : 'Not set') : ''}
              defaultValue={s.secret ? '' : current === undefined || current === null ? '' : String(current)}
            />
          </label>
        );
      })}
      <button class="primary" type="submit">
        Save settings
      </button>
    </form>
  );
}
