// Rocket.Chat-style markdown drawn as Preact nodes: code blocks, quotes,
// inline code, *bold* (or **bold**), _italic_, ~strike~ (or ~~strike~~), [links](https://...), bare
// URLs, :emoji:, @mentions and #channels. Message text only ever becomes
// text nodes and elements built here (never HTML), and a link is a link
// only for http, https and mailto addresses: `javascript:` stays text.

import type { ComponentChildren } from 'preact';
import { EMOJI } from './emoji';
import { roomPath } from './state/router';

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** The address of `href` if it may be a link, else null. */
export function safeUrl(href: string): string | null {
  try {
    const url = new URL(href);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const INLINE = new RegExp(
  [
    '`([^`\\n]+)`', // 1 code
    '\\[([^\\]\\n]+)\\]\\(([^)\\s]+)\\)', // 2 label, 3 href
    '<([a-z]+:[^|>\\s]+)\\|([^>\\n]+)>', // 4 href, 5 label (Rocket.Chat's <url|label>)
    '(https?:\\/\\/[^\\s<>]*[^\\s<>.,;:!?\'")\\]])', // 6 bare URL
    '(?<![\\w*])\\*{1,2}(?=\\S)([^*\\n]*?\\S)\\*{1,2}(?![\\w*])', // 7 bold
    '(?<![\\w_])_(?=\\S)([^_\\n]*?\\S)_(?![\\w_])', // 8 italic
    '(?<![\\w~])~{1,2}(?=\\S)([^~\\n]*?\\S)~{1,2}(?![\\w~])', // 9 strike
    ':([a-z0-9_+-]+):', // 10 emoji
    '(?<![\\w@])@([\\w.-]*\\w)', // 11 mention
    '(?<![\\w#&])#([\\w.-]*\\w)', // 12 channel
  ].join('|'),
  'gi',
);

function link(href: string, label: ComponentChildren, raw: string): ComponentChildren {
  const safe = safeUrl(href);
  if (!safe) return raw;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
      {label}
    </a>
  );
}

/** Inline markdown of one line. */
function inline(text: string, me: string | undefined): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    last = at + m[0].length;
    if (m[1] !== undefined) out.push(<code>{m[1]}</code>);
    else if (m[2] !== undefined) out.push(link(m[3], inline(m[2], me), m[0]));
    else if (m[4] !== undefined) out.push(link(m[4], m[5], m[0]));
    else if (m[6] !== undefined) out.push(link(m[6], m[6], m[0]));
    else if (m[7] !== undefined) out.push(<strong>{inline(m[7], me)}</strong>);
    else if (m[8] !== undefined) out.push(<em>{inline(m[8], me)}</em>);
    else if (m[9] !== undefined) out.push(<s>{inline(m[9], me)}</s>);
    else if (m[10] !== undefined) {
      const emoji = EMOJI[m[10]];
      out.push(emoji ? <span class="emoji" title={m[0]}>{emoji}</span> : m[0]);
    } else if (m[11] !== undefined) {
      const own = m[11] === me || m[11] === 'all' || m[11] === 'here';
      out.push(<span class={own ? 'mention mention-me' : 'mention'}>@{m[11]}</span>);
    } else if (m[12] !== undefined) {
      out.push(<a href={roomPath('c', m[12])} class="channel-link">#{m[12]}</a>);
    }
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function lines(text: string, me: string | undefined): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  text.split('\n').forEach((line, i) => {
    if (i > 0) out.push(<br />);
    out.push(...inline(line, me));
  });
  return out;
}

/** A message's text as nodes; `me` is highlighted where mentioned. */
export function Markdown({ text, me }: { text: string; me?: string }) {
  const blocks: ComponentChildren[] = [];
  const parts = text.split(/```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1 && i < parts.length - 1) {
      blocks.push(<pre><code>{part.replace(/^[\w-]*\n/, '').replace(/\n$/, '')}</code></pre>);
      return;
    }
    const chunk = i % 2 === 1 ? '```' + part : part;
    let quote: string[] = [];
    let plain: string[] = [];
    const flush = () => {
      if (plain.length) blocks.push(<span>{lines(plain.join('\n'), me)}</span>);
      if (quote.length) blocks.push(<blockquote>{lines(quote.join('\n'), me)}</blockquote>);
      plain = [];
      quote = [];
    };
    for (const line of chunk.replace(/^\n|\n$/g, '').split('\n')) {
      if (line.startsWith('>')) {
        if (plain.length) flush();
        quote.push(line.replace(/^>\s?/, ''));
      } else {
        if (quote.length) flush();
        plain.push(line);
      }
    }
    flush();
  });
  return <div class="markdown">{blocks}</div>;
}
