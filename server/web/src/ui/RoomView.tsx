import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, post } from '../api/rest';
import type { Room } from '../api/types';
import { attempt, fail } from '../state/notice';
import { findByRoute, label, privateAnswers, refreshRoom, rooms } from '../state/rooms';
import { navigate, roomPath } from '../state/router';
import { ddp, me } from '../state/session';
import { Timeline } from '../state/timeline';
import { Composer } from './Composer';
import { Icon } from './Icon';
import { MembersPanel } from './MembersPanel';
import { MessageList } from './MessageList';
import { ThreadPanel } from './ThreadPanel';

type RouteType = 'channel' | 'group' | 'direct';

/** An open room: header, history, composer, and the thread panel. */
export function RoomView({ type, roomKey, thread, linked }: { type: RouteType; roomKey: string; thread?: string; linked?: string }) {
  const subscription = findByRoute(type, roomKey);
  const rid = subscription?.rid;
  if (!subscription || !rid) return <NotMember type={type} roomKey={roomKey} />;
  return <OpenRoom rid={rid} title={label(subscription)} type={subscription.t} name={subscription.name} thread={thread} linked={linked} />;
}

function OpenRoom({ rid, title, type, name, thread, linked }: { rid: string; title: string; type: 'c' | 'p' | 'd'; name: string; thread?: string; linked?: string }) {
  const link = ddp.value!;
  const username = me.value!.username;
  const room: Room | undefined = rooms.value.get(rid);
  const [, setReady] = useState(false);
  const [showMembers, setShowMembers] = useState(false);

  const timeline = useMemo(() => {
    let readTimer: number | undefined;
    const markRead = () => {
      window.clearTimeout(readTimer);
      readTimer = window.setTimeout(() => {
        if (document.visibilityState === 'visible') void link.call('readMessages', rid).catch(() => {});
      }, 300);
    };
    return new Timeline(rid, type, link, username, (message) => {
      markRead();
      if (message.t === 'room_changed_topic') void refreshRoom(rid).catch(() => {});
    });
  }, [rid, link]);

  useEffect(() => {
    void link.call('readMessages', rid).catch(() => {});
    if (!rooms.value.has(rid)) void refreshRoom(rid).catch(() => {});
    return () => timeline.close();
  }, [timeline]);

  useEffect(() => {
    (linked ? timeline.jumpTo(linked) : timeline.start()).then(() => setReady(true)).catch(fail);
  }, [timeline, linked]);

  useEffect(() => {
    const answer = privateAnswers.value;
    if (answer && answer.rid === rid) timeline.addPrivate(answer);
  }, [privateAnswers.value]);

  const base = roomPath(type, name);
  const icon = type === 'c' ? '#' : type === 'd' ? '@' : '';
  return (
    <div class={`room ${thread || showMembers ? 'room-with-thread' : ''}`}>
      <section class="room-main" aria-label={`Room ${title}`}>
        <header class="room-head">
          <a class="icon back" href="/home" data-nav aria-label="Back to the room list">
            <Icon name="back" />
          </a>
          <div class="room-title">
            <h1>
              <Icon name={type === 'c' ? 'hash' : type === 'p' ? 'lock' : 'at'} size={16} /> {title}
            </h1>
            {room?.topic && <p class="topic" title={room.topic}>{room.topic}</p>}
          </div>
          {room?.usersCount ? (
            <button class="members" aria-expanded={showMembers} onClick={() => setShowMembers(!showMembers)}>
              {room.usersCount} {room.usersCount === 1 ? 'member' : 'members'}
            </button>
          ) : null}
        </header>
        <MessageList timeline={timeline} linked={linked} onThread={(id) => navigate(`${base}/thread/${id}`)} />
        <Typing names={timeline.typing.value} />
        <Composer rid={rid} roomLabel={`${icon}${title}`} timeline={timeline} readOnly={room?.ro} />
      </section>
      {thread ? (
        <ThreadPanel rid={rid} tmid={thread} timeline={timeline} onClose={() => navigate(base)} />
      ) : (
        showMembers && <MembersPanel rid={rid} type={type} onClose={() => setShowMembers(false)} />
      )}
    </div>
  );
}

function Typing({ names }: { names: string[] }) {
  const text = !names.length
    ? ''
    : names.length === 1
      ? `${names[0]} is typing…`
      : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are typing…`;
  return (
    <div class="typing" aria-live="polite">
      {text}
    </div>
  );
}

/** A room the user is not in: join a channel, or open a direct message. */
function NotMember({ type, roomKey }: { type: RouteType; roomKey: string }) {
  const [room, setRoom] = useState<Room | null>(null);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    setMissing(false);
    if (type === 'direct') {
      // /direct/<username> opens (or creates) the direct message.
      post('im.create', { username: roomKey })
        .then((answer) => navigate(roomPath('d', answer.room?.name ?? roomKey), true))
        .catch(() => setMissing(true));
      return;
    }
    get('rooms.info', { roomName: roomKey })
      .then((answer) => setRoom(answer.room))
      .catch(() => setMissing(true));
  }, [type, roomKey]);

  if (missing) {
    return (
      <section class="empty-room">
        <h1>Room not found</h1>
        <p>There is no room called “{roomKey}” that you can see.</p>
        <a href="/directory" data-nav>
          Find rooms in the directory
        </a>
      </section>
    );
  }
  if (!room) return <div class="empty-room" aria-busy="true" />;
  return (
    <section class="empty-room">
      <h1># {room.fname || room.name}</h1>
      {room.topic && <p>{room.topic}</p>}
      <p>You are not a member of this channel yet.</p>
      <button
        class="primary"
        onClick={() => attempt(async () => {
          await post('channels.join', { roomId: room._id });
          await refreshRoom(room._id);
        })}
      >
        Join
      </button>
    </section>
  );
}
