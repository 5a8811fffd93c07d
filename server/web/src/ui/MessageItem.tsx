import { useState } from 'preact/hooks';
import type { Message } from '../api/types';
import { toMs } from '../api/types';
import { emojiOf, QUICK_REACTIONS } from '../emoji';
import { Markdown } from '../markdown';
import { attempt } from '../state/notice';
import { ddp, isAdmin, me } from '../state/session';
import { Icon } from './Icon';
import { initial } from './Sidebar';

const SYSTEM: Record<string, (m: Message) => string> = {
  uj: () => 'joined the room',
  ul: () => 'left the room',
  au: (m) => `added ${m.msg}`,
  ru: (m) => `removed ${m.msg}`,
  r: (m) => `renamed the room to ${m.msg}`,
  room_changed_topic: (m) => `changed the topic to: ${m.msg}`,
  room_changed_description: (m) => `changed the description to: ${m.msg}`,
  room_changed_announcement: (m) => `changed the announcement to: ${m.msg}`,
  room_changed_privacy: (m) => `made the room ${m.msg === 'p' || m.msg === 'private' ? 'private' : 'public'}`,
  'subscription-role-added': (m) => `gave ${m.msg} a role`,
  'subscription-role-removed': (m) => `took a role from ${m.msg}`,
  'room-archived': () => 'archived the room',
  'room-unarchived': () => 'unarchived the room',
  'room-pruned': () => 'pruned the history',
  message_pinned: () => 'pinned a message',
};

/** How a system message reads; an unknown kind shows its text. */
function systemText(m: Message): string {
  return (SYSTEM[m.t!] ?? ((x: Message) => x.msg))(m);
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** One message: author, time, text, reactions, thread summary and actions. */
export function MessageItem({
  message: m,
  previous,
  onThread,
  inThread = false,
  linked = false,
  active = true,
}: {
  message: Message;
  previous?: Message;
  onThread?: (id: string) => void;
  inThread?: boolean;
  linked?: boolean;
  /** Whether this message is the list's one stop for Tab (arrow keys move it). */
  active?: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const username = me.value?.username;
  const link = ddp.value!;
  const tab = active ? 0 : -1;
  const when = new Date(toMs(m.ts));
  const author = m.alias || m.u?.name || m.u?.username;

  if (m.t) {
    return (
      <div class="message system" data-id={m._id} tabIndex={tab}>
        <strong>{m.u?.username}</strong> {systemText(m)} <time dateTime={when.toISOString()}>{time.format(when)}</time>
      </div>
    );
  }

  const grouped = !!previous && !previous.t && previous.u?._id === m.u?._id && toMs(m.ts) - toMs(previous.ts) < 5 * 60_000 && !m.ephemeral;
  const mine = m.u?.username === username;
  const react = (emoji: string) => {
    setPicking(false);
    void attempt(() => link.call('setReaction', emoji, m._id));
  };
  const remove = () => {
    if (confirm('Delete this message? This cannot be undone.')) void attempt(() => link.call('deleteMessage', { _id: m._id }));
  };

  return (
    <article
      class={`message ${grouped ? 'grouped' : ''} ${m.ephemeral ? 'ephemeral' : ''} ${linked ? 'linked' : ''}`}
      data-id={m._id}
      tabIndex={tab}
      aria-label={`${author}, ${full.format(when)}`}
    >
      <div class="avatar" aria-hidden="true">{grouped ? '' : initial(m.u?.username)}</div>
      <div class="message-body">
        {!grouped && (
          <header class="message-head">
            <span class="author">{author}</span>
            {m.appId && <span class="tag">App</span>}
            <time dateTime={when.toISOString()} title={full.format(when)}>
              {time.format(when)}
            </time>
          </header>
        )}
        {editing ? (
          <EditBox message={m} onDone={() => setEditing(false)} />
        ) : (
          <div class="message-text">
            <Markdown text={m.msg} me={username} />
            {m.editedAt && <span class="edited">(edited)</span>}
          </div>
        )}
        {m.ephemeral && <p class="only-you">Only you can see this message.</p>}
        {m.attachments?.map((a, i) => (
          <div class="attachment" key={i} style={a.color ? { borderColor: a.color } : undefined}>
            {a.title && <strong>{a.title}</strong>}
            {a.text && <Markdown text={a.text} me={username} />}
            {!!a.actions?.length && (
              <div class="app-buttons">
                {a.actions.map((action) => (
                  <button
                    tabIndex={tab}
                    key={action.action_id + (action.value ?? '')}
                    onClick={() =>
                      attempt(() =>
                        link.call('capsule/uiInteraction', m.appId, {
                          type: 'blockAction',
                          actionId: action.action_id,
                          rid: m.rid,
                          mid: m._id,
                          value: action.value,
                        }),
                      )
                    }
                  >
                    {action.text}
                  </button>
                ))}
              </div>
            )}
          </div>
        ))}
        {m.reactions && Object.keys(m.reactions).length > 0 && (
          <div class="reactions">
            {Object.entries(m.reactions).map(([emoji, r]) => {
              const mineToo = !!username && r.usernames.includes(username);
              return (
                <button
                  tabIndex={tab}
                  key={emoji}
                  class={`reaction ${mineToo ? 'mine' : ''}`}
                  aria-pressed={mineToo}
                  aria-label={`${emoji.replace(/:/g, '')}: ${r.usernames.join(', ')}`}
                  title={r.usernames.join(', ')}
                  onClick={() => react(emoji)}
                >
                  {emojiOf(emoji)} <span class="count">{r.usernames.length}</span>
                </button>
              );
            })}
          </div>
        )}
        {!inThread && !!m.tcount && (
          <button class="thread-summary" tabIndex={tab} onClick={() => onThread?.(m._id)}>
            {m.tcount} {m.tcount === 1 ? 'reply' : 'replies'}
          </button>
        )}
      </div>
      {!m.ephemeral && !editing && (
        <div class="message-actions" role="toolbar" aria-label="Message actions">
          <button class="icon" tabIndex={tab} aria-label="Add a reaction" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            <Icon name="smile" />
          </button>
          {!inThread && onThread && (
            <button class="icon" tabIndex={tab} aria-label="Reply in a thread" onClick={() => onThread(m._id)}>
              <Icon name="reply" />
            </button>
          )}
          {mine && (
            <button class="icon" tabIndex={tab} aria-label="Edit" onClick={() => setEditing(true)}>
              <Icon name="edit" />
            </button>
          )}
          {(mine || isAdmin()) && (
            <button class="icon" tabIndex={tab} aria-label="Delete" onClick={remove}>
              <Icon name="trash" />
            </button>
          )}
          {picking && (
            <div class="picker" role="menu" aria-label="Reactions">
              {QUICK_REACTIONS.map((emoji) => (
                <button key={emoji} role="menuitem" class="icon" aria-label={emoji.replace(/:/g, '')} onClick={() => react(emoji)}>
                  {emojiOf(emoji)}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
    </article>
  );
}

function EditBox({ message, onDone }: { message: Message; onDone: () => void }) {
  const [text, setText] = useState(message.msg);
  const link = ddp.value!;
  const save = async () => {
    if (text.trim() && text !== message.msg) {
      const done = await attempt(() => link.call('updateMessage', { _id: message._id, rid: message.rid, msg: text }).then(() => true));
      if (!done) return;
    }
    onDone();
  };
  return (
    <div class="edit-box">
      <textarea
        aria-label="Edit the message"
        value={text}
        ref={(el) => el?.focus()}
        onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void save();
          } else if (e.key === 'Escape') onDone();
        }}
      />
      <div class="edit-actions">
        <button onClick={onDone}>Cancel</button>
        <button class="primary" onClick={save}>
          Save
        </button>
      </div>
    </div>
  );
}
