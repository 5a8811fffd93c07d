import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post } from '../api/rest';
import { attempt, fail } from '../state/notice';
import { ddp, me } from '../state/session';
import type { Timeline } from '../state/timeline';
import { Icon } from './Icon';

interface Command {
  command: string;
  params: string;
  description: string;
  providesPreview: boolean;
}

interface PreviewItem {
  id: string;
  type: 'text' | 'image';
  value: string;
}

type Suggestion = { key: string; insert: string; title: string; detail?: string };

let commandList: Promise<Command[]> | null = null;

/** The slash commands of the installed apps (fetched once per page). */
function commands(): Promise<Command[]> {
  commandList ??= get('commands.list', { count: 0 })
    .then((answer) => answer.commands as Command[])
    .catch(() => {
      commandList = null;
      return [];
    });
  return commandList;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'[b % 57]).join('');
}

/** Where a message is written: sends, runs slash commands, tells the room you are typing. */
export function Composer({
  rid,
  tmid,
  roomLabel,
  timeline,
  readOnly,
}: {
  rid: string;
  tmid?: string;
  roomLabel: string;
  timeline: Timeline;
  readOnly?: boolean;
}) {
  const link = ddp.value!;
  const username = me.value!.username;
  const [text, setText] = useState('');
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [selected, setSelected] = useState(0);
  const [preview, setPreview] = useState<{ command: string; params: string; items: PreviewItem[] } | null>(null);
  const typingSent = useRef(0);
  const typingStop = useRef<number | undefined>(undefined);
  const input = useRef<HTMLTextAreaElement>(null);

  const typing = (active: boolean) => {
    void link.call('stream-notify-room', `${rid}/user-activity`, username, active ? ['user-typing'] : []).catch(() => {});
  };

  useEffect(() => () => window.clearTimeout(typingStop.current), []);

  // Autocomplete: slash commands at the start, @mentions at the caret.
  useEffect(() => {
    let live = true;
    const command = /^\/(\S*)$/.exec(text);
    const mention = /(?:^|\s)@([\w.-]*)$/.exec(text);
    if (command) {
      void commands().then((list) => {
        if (!live) return;
        setSuggestions(
          list
            .filter((c) => c.command.startsWith(command[1]))
            .slice(0, 8)
            .map((c) => ({ key: c.command, insert: `/${c.command} `, title: `/${c.command} ${c.params ?? ''}`, detail: c.description })),
        );
        setSelected(0);
      });
    } else if (mention) {
      const handle = window.setTimeout(() => {
        get('spotlight', { query: `@${mention[1]}` })
          .then((answer) => {
            if (!live) return;
            setSuggestions(
              (answer.users as Array<{ username: string; name: string }>).slice(0, 8).map((u) => ({
                key: u.username,
                insert: text.slice(0, text.length - mention[1].length) + `${u.username} `,
                title: `@${u.username}`,
                detail: u.name,
              })),
            );
            setSelected(0);
          })
          .catch(() => {});
      }, 150);
      return () => {
        live = false;
        window.clearTimeout(handle);
      };
    } else setSuggestions([]);
    return () => {
      live = false;
    };
  }, [text]);

  // Previews of a command that offers them, as its parameters are typed.
  useEffect(() => {
    const parsed = /^\/(\S+)\s+(.+)$/s.exec(text);
    if (!parsed) return setPreview(null);
    let live = true;
    const handle = window.setTimeout(async () => {
      const known = (await commands()).find((c) => c.command === parsed[1]);
      if (!known?.providesPreview || !live) return setPreview(null);
      try {
        const answer = await get('commands.preview', { command: parsed[1], params: parsed[2], roomId: rid });
        if (live) setPreview({ command: parsed[1], params: parsed[2], items: answer.preview?.items ?? [] });
      } catch {
        if (live) setPreview(null);
      }
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(handle);
    };
  }, [text]);

  function accept(s: Suggestion) {
    setText(s.insert.startsWith('/') ? s.insert : s.insert);
    setSuggestions([]);
    input.current?.focus();
  }

  async function send() {
    const msg = text.trim();
    if (!msg) return;
    window.clearTimeout(typingStop.current);
    typingSent.current = 0;
    typing(false);
    setText('');
    setSuggestions([]);
    setPreview(null);
    const command = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(msg);
    try {
      if (command) {
        await link.call('slashCommand', { cmd: command[1], params: command[2] ?? '', msg: { rid, ...(tmid ? { tmid } : {}) } });
      } else {
        const sent = await link.call('sendMessage', { _id: randomId(), rid, msg, ...(tmid ? { tmid } : {}) });
        if (sent?._id) timeline.add(sent);
      }
    } catch (error) {
      setText(msg);
      fail(error);
    }
  }

  async function pick(item: PreviewItem) {
    if (!preview) return;
    setText('');
    setPreview(null);
    await attempt(() => post('commands.preview', { command: preview.command, params: preview.params, roomId: rid, ...(tmid ? { tmid } : {}), previewItem: item }));
  }

  function onKeyDown(event: KeyboardEvent) {
    if (suggestions.length) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setSelected((selected + step + suggestions.length) % suggestions.length);
        return;
      }
      if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey && /^\/\S*$/.test(text)) || (event.key === 'Enter' && /@[\w.-]*$/.test(text))) {
        event.preventDefault();
        accept(suggestions[selected]);
        return;
      }
      if (event.key === 'Escape') {
        setSuggestions([]);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  function onInput(event: Event) {
    const value = (event.target as HTMLTextAreaElement).value;
    setText(value);
    const now = Date.now();
    if (value && !value.startsWith('/') && now - typingSent.current > 3000) {
      typingSent.current = now;
      typing(true);
    }
    window.clearTimeout(typingStop.current);
    typingStop.current = window.setTimeout(() => {
      if (typingSent.current) typing(false);
      typingSent.current = 0;
    }, 4000);
  }

  if (readOnly) return <p class="composer read-only">This room is read-only.</p>;
  const listId = `suggest-${tmid ?? rid}`;
  return (
    <div class="composer">
      {preview && preview.items.length > 0 && (
        <ul class="previews" aria-label="Command previews">
          {preview.items.map((item) => (
            <li key={item.id}>
              <button onClick={() => pick(item)}>
                {item.type === 'image' ? <img src={item.value} alt="" /> : item.value}
              </button>
            </li>
          ))}
        </ul>
      )}
      {suggestions.length > 0 && (
        <ul class="suggestions" id={listId} role="listbox" aria-label="Suggestions">
          {suggestions.map((s, i) => (
            <li
              key={s.key}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === selected}
              class={i === selected ? 'selected' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}
            >
              <strong>{s.title}</strong> {s.detail && <span>{s.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={input}
        rows={1}
        value={text}
        placeholder={tmid ? 'Reply in the thread' : `Message ${roomLabel}`}
        aria-label={tmid ? 'Reply in the thread' : `Message ${roomLabel}`}
        aria-autocomplete="list"
        aria-controls={suggestions.length ? listId : undefined}
        aria-activedescendant={suggestions.length ? `${listId}-${selected}` : undefined}
        onInput={onInput}
        onKeyDown={onKeyDown}
      />
      <button class="primary send" onClick={send} aria-label="Send" disabled={!text.trim()}>
        <Icon name="send" />
      </button>
    </div>
  );
}
