import { useEffect, useState } from 'preact/hooks';
import { call } from '../api/rest';
import { attempt, fail, tell } from '../state/notice';

interface Key {
  keyId: string;
  publisher: string;
  source: 'config' | 'api';
}

/** The publisher keys this server trusts: add and remove. */
export function TrustedKeys({ onChanged }: { onChanged: () => void }) {
  const [keys, setKeys] = useState<Key[]>([]);
  const [text, setText] = useState('');
  const load = () =>
    call('GET', 'apps/trusted-keys')
      .then((answer) => setKeys(answer.keys))
      .catch(fail);
  useEffect(() => void load(), []);

  const add = (event: Event) => {
    event.preventDefault();
    void attempt(async () => {
      const answer = await call('POST', 'apps/trusted-keys', { body: { key: text } });
      tell(`Trusting ${answer.key.publisher} (${answer.key.keyId})`);
      setText('');
      await load();
      onChanged();
    });
  };
  const remove = (key: Key) => {
    if (!confirm(`Stop trusting ${key.publisher}? Apps it signed stop at once.`)) return;
    void attempt(async () => {
      const answer = await call('DELETE', `apps/trusted-keys/${encodeURIComponent(key.keyId)}`);
      tell(answer.refused?.length ? `Refused now: ${answer.refused.join(', ')}` : 'The key is no longer trusted');
      await load();
      onChanged();
    });
  };

  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">Trusted publisher keys</h2>
      <ul class="key-list">
        {keys.map((key) => (
          <li key={key.keyId}>
            <strong>{key.publisher}</strong> <code>{key.keyId}</code> <span class="muted">from the {key.source === 'config' ? 'configuration' : 'API'}</span>
            {key.source === 'api' && (
              <button class="danger" onClick={() => remove(key)}>
                Remove
              </button>
            )}
          </li>
        ))}
        {!keys.length && <li class="muted">No keys are trusted: only development mode could install an app.</li>}
      </ul>
      <form onSubmit={add} class="key-form">
        <label>
          Add a publisher's public key file
          <textarea rows={3} value={text} required onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        </label>
        <button type="submit">Trust this key</button>
      </form>
    </section>
  );
}
