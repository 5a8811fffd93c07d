// The room's history as a windowed list: at most WINDOW messages are in
// the DOM whatever the room's length. Scrolling up slides the window
// back (fetching older pages when it reaches the oldest held); scrolling
// down slides it forward until it follows the newest again. The message
// at the top of the view keeps its place across every change. "Jump to
// the first message" shows the room's start at once (the timeline
// detaches from the newest and pages back towards it as you scroll down).

import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../api/types';
import type { Timeline } from '../state/timeline';
import { fail } from '../state/notice';
import { MessageItem } from './MessageItem';

const WINDOW = 120;
const STEP = 40;
const EDGE = 300;

/** Messages shown in the room's main list (thread replies stay in the thread). */
export function inMainList(m: Message): boolean {
  return !m.tmid || !!m.tshow;
}

export function MessageList({ timeline, linked, onThread }: { timeline: Timeline; linked?: string; onThread: (id: string) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ id: string; offset: number } | null>(null);
  const stuck = useRef(true);
  const toTop = useRef(false);
  // The linked message (`?msg=`) to bring into view once it is drawn.
  const toLinked = useRef(linked);
  const lastLinked = useRef(linked);
  if (linked !== lastLinked.current) {
    lastLinked.current = linked;
    toLinked.current = linked;
  }
  // The id of the last message in the window; null follows the newest.
  const [endId, setEndId] = useState<string | null>(null);
  // The message Tab stops at (one for the whole list; arrows move it).
  const [activeId, setActiveId] = useState<string | null>(null);
  const all = timeline.messages.value.filter(inMainList);

  let end = all.length;
  if (endId) {
    const at = all.findIndex((m) => m._id === endId);
    if (at >= 0) end = at + 1;
  }
  const start = Math.max(0, end - WINDOW);
  const shown = all.slice(start, end);
  const active = shown.some((m) => m._id === activeId) ? activeId : shown[shown.length - 1]?._id;

  const edges = useRef<() => void>(() => {});
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // A change can leave the view at an edge without a scroll event to
    // follow (nothing moved): look at the edges once it is drawn.
    const frame = window.requestAnimationFrame(() => edges.current());
    const target = toLinked.current && el.querySelector<HTMLElement>(`[data-id="${CSS.escape(toLinked.current)}"]`);
    if (target) {
      toLinked.current = undefined;
      stuck.current = false;
      target.scrollIntoView({ block: 'center' });
      return;
    }
    if (toTop.current) {
      toTop.current = false;
      el.scrollTop = 0;
      return;
    }
    if (stuck.current && !endId && !timeline.hasNewer.value) {
      el.scrollTop = el.scrollHeight;
      return;
    }
    const a = anchor.current;
    const node = a && el.querySelector<HTMLElement>(`[data-id="${CSS.escape(a.id)}"]`);
    if (node && a) el.scrollTop = node.offsetTop - a.offset;
    return () => window.cancelAnimationFrame(frame);
  });

  function onScroll() {
    const el = scroller.current!;
    stuck.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    const top = [...el.querySelectorAll<HTMLElement>('[data-id]')].find((n) => n.offsetTop + n.offsetHeight > el.scrollTop);
    anchor.current = top ? { id: top.dataset.id!, offset: top.offsetTop - el.scrollTop } : null;
    atEdges();
  }

  /** Slides the window, or fetches a page, when the view is near an end. */
  function atEdges() {
    const el = scroller.current;
    if (!el) return;
    if (el.scrollTop < EDGE) {
      if (start > 0) setEndId(all[Math.max(end - STEP, Math.min(WINDOW, all.length)) - 1]._id);
      else if (timeline.hasOlder.value && !timeline.loading.value) {
        if (!endId && all.length) setEndId(all[end - 1]._id);
        void timeline.loadOlder();
      }
    } else if (el.scrollHeight - el.scrollTop - el.clientHeight < EDGE) {
      if (end < all.length) {
        const next = Math.min(all.length, end + STEP);
        setEndId(next >= all.length ? null : all[next - 1]._id);
      } else if (timeline.hasNewer.value && !timeline.loading.value) {
        if (all.length) setEndId(all[all.length - 1]._id);
        void timeline.loadNewer().catch(fail);
      }
    }
  }

  edges.current = atEdges;

  async function jumpToFirst() {
    try {
      await timeline.jumpToFirst();
      toTop.current = true;
      stuck.current = false;
      setEndId(null);
      anchor.current = null;
    } catch (error) {
      fail(error);
    }
  }

  async function jumpToNewest() {
    try {
      if (timeline.hasNewer.value) await timeline.start();
      stuck.current = true;
      setEndId(null);
    } catch (error) {
      fail(error);
    }
  }

  function onKey(event: KeyboardEvent) {
    if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
    const target = event.target as HTMLElement;
    if (!target.classList.contains('message')) return;
    const sibling = (event.key === 'ArrowUp' ? target.previousElementSibling : target.nextElementSibling) as HTMLElement | null;
    if (sibling?.classList.contains('message')) {
      event.preventDefault();
      sibling.focus();
    }
  }

  const oldestShown = start === 0 && !timeline.hasOlder.value;
  const detached = !!endId || timeline.hasNewer.value;
  return (
    <div class="messages" ref={scroller} onScroll={onScroll}>
      {!oldestShown && (
        <button class="jump-first" onClick={jumpToFirst}>
          Jump to the first message ↑
        </button>
      )}
      <div class="history-edge">
        {timeline.loading.value ? 'Loading older messages…' : oldestShown ? 'This is the start of the room.' : ''}
      </div>
      <div
        role="log"
        aria-label="Messages"
        aria-live="polite"
        onKeyDown={onKey}
        onFocusIn={(e) => {
          const item = (e.target as HTMLElement).closest<HTMLElement>('[data-id]');
          if (item?.dataset.id) setActiveId(item.dataset.id);
        }}
        class="message-items"
      >
        {shown.map((m, i) => (
          <MessageItem key={m._id} message={m} previous={shown[i - 1]} onThread={onThread} linked={m._id === linked} active={m._id === active} />
        ))}
      </div>
      {detached && (
        <button class="jump-newest" onClick={jumpToNewest}>
          Jump to the newest ↓
        </button>
      )}
    </div>
  );
}
