import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api/rest';
import { attempt, fail } from '../state/notice';
import { refreshRoom, subscriptions } from '../state/rooms';
import { navigate, roomPath } from '../state/router';
import { Icon } from './Icon';

interface Entry {
  _id: string;
  name?: string;
  fname?: string;
  username?: string;
  topic?: string;
  usersCount?: number;
}

/** The directory: find public channels to join, and people to message. */
export function Directory() {
  const [type, setType] = useState<'channels' | 'users'>('channels');
  const [text, setText] = useState('');
  const [entries, setEntries] = useState<Entry[]>([]);

  useEffect(() => {
    const handle = window.setTimeout(() => {
      get('directory', { type, text, count: 50 })
        .then((answer) => setEntries(answer.result))
        .catch(fail);
    }, 150);
    return () => window.clearTimeout(handle);
  }, [type, text]);

  const joined = (id: string) => subscriptions.value.has(id);
  return (
    <section class="directory">
      <header class="room-head">
        <a class="icon back" href="/home" data-nav aria-label="Back to the room list">
          <Icon name="back" />
        </a>
        <h1>Directory</h1>
      </header>
      <div class="directory-body">
        <div class="tabs" role="tablist" aria-label="What to find">
          <button role="tab" aria-selected={type === 'channels'} onClick={() => setType('channels')}>
            Channels
          </button>
          <button role="tab" aria-selected={type === 'users'} onClick={() => setType('users')}>
            People
          </button>
        </div>
        <input
          type="search"
          aria-label={type === 'channels' ? 'Search channels' : 'Search people'}
          placeholder={type === 'channels' ? 'Search channels' : 'Search people'}
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <ul class="directory-list">
          {entries.map((e) =>
            type === 'channels' ? (
              <li key={e._id}>
                <div>
                  <strong># {e.fname || e.name}</strong>
                  {e.topic && <p class="muted">{e.topic}</p>}
                </div>
                <span class="muted">{e.usersCount ?? 0} members</span>
                {joined(e._id) ? (
                  <a class="button" href={roomPath('c', e.name!)} data-nav>
                    Open
                  </a>
                ) : (
                  <button
                    class="primary"
                    onClick={() =>
                      attempt(async () => {
                        await post('channels.join', { roomId: e._id });
                        await refreshRoom(e._id);
                        navigate(roomPath('c', e.name!));
                      })
                    }
                  >
                    Join
                  </button>
                )}
              </li>
            ) : (
              <li key={e._id}>
                <div>
                  <strong>{e.name}</strong> <span class="muted">@{e.username}</span>
                </div>
                <button
                  onClick={() =>
                    attempt(async () => {
                      await post('im.create', { username: e.username });
                      navigate(roomPath('d', e.username!));
                    })
                  }
                >
                  Message
                </button>
              </li>
            ),
          )}
        </ul>
      </div>
    </section>
  );
}
