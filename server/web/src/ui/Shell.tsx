import { useEffect } from 'preact/hooks';
import { followRooms, reloadRooms } from '../state/rooms';
import { navigate, type Route } from '../state/router';
import { ddp } from '../state/session';
import { Directory } from './Directory';
import { RoomView } from './RoomView';
import { Sidebar } from './Sidebar';

/** The signed-in layout: the room list beside the open page. */
export function Shell({ route }: { route: Route }) {
  const link = ddp.value;
  useEffect(() => {
    void reloadRooms().catch(() => {});
    return followRooms();
  }, [link]);
  useEffect(() => {
    // Ctrl+K (or Cmd+K): the room switcher, from anywhere.
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        const filter = document.querySelector<HTMLInputElement>('.room-filter');
        if (filter?.offsetParent === null) navigate('/home');
        window.setTimeout(() => document.querySelector<HTMLInputElement>('.room-filter')?.focus());
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const state = link?.state.value;
  const inRoom = route.kind === 'room' || route.kind === 'directory';
  return (
    <div class={`shell ${inRoom ? 'shell-in-room' : 'shell-home'}`}>
      <a class="skip-link" href="#main">Skip to the conversation</a>
      <Sidebar route={route} />
      <main id="main" class="main" tabIndex={-1}>
        {state && state !== 'online' && (
          <div class="banner" role="status">
            {state === 'connecting' ? 'Connecting…' : 'Connection lost. Reconnecting…'}
          </div>
        )}
        {route.kind === 'room' ? (
          <RoomView key={`${route.type}/${route.key}`} type={route.type} roomKey={route.key} thread={route.thread} linked={route.message} />
        ) : route.kind === 'directory' ? (
          <Directory />
        ) : (
          <Home />
        )}
      </main>
    </div>
  );
}

function Home() {
  return (
    <section class="home">
      <h1>Welcome to Capsule</h1>
      <p>Pick a room on the left, or find one in the directory.</p>
      <a class="button primary" href="/directory" data-nav>
        Open the directory
      </a>
    </section>
  );
}
