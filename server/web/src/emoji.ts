// The emoji shortcodes the client draws (Rocket.Chat's names); any other
// `:name:` stays text.

export const EMOJI: Record<string, string> = {
  '+1': '👍', thumbsup: '👍', '-1': '👎', thumbsdown: '👎', smile: '😄', smiley: '😃',
  grinning: '😀', laughing: '😆', joy: '😂', wink: '😉', blush: '😊', slight_smile: '🙂',
  slightly_smiling_face: '🙂', heart_eyes: '😍', sunglasses: '😎', thinking: '🤔',
  thinking_face: '🤔', neutral_face: '😐', confused: '😕', cry: '😢', sob: '😭',
  scream: '😱', angry: '😠', rage: '😡', sweat_smile: '😅', innocent: '😇', wave: '👋',
  clap: '👏', pray: '🙏', ok_hand: '👌', muscle: '💪', raised_hands: '🙌', point_up: '☝️',
  heart: '❤️', broken_heart: '💔', tada: '🎉', fire: '🔥', rocket: '🚀', eyes: '👀',
  star: '⭐', sparkles: '✨', zap: '⚡', boom: '💥', '100': '💯', white_check_mark: '✅',
  heavy_check_mark: '✔️', x: '❌', warning: '⚠️', question: '❓', exclamation: '❗',
  coffee: '☕', beer: '🍺', pizza: '🍕', cake: '🍰', calendar: '📅', bell: '🔔',
  memo: '📝', bulb: '💡', lock: '🔒', key: '🔑', link: '🔗', hourglass: '⌛', robot: '🤖',
  see_no_evil: '🙈', partying_face: '🥳', upside_down: '🙃', rofl: '🤣', hugs: '🤗',
};

/** The quick reactions offered on every message. */
export const QUICK_REACTIONS = [':+1:', ':heart:', ':joy:', ':tada:', ':eyes:', ':white_check_mark:'];

/** The emoji of a `:shortcode:`, or the shortcode itself. */
export function emojiOf(code: string): string {
  return EMOJI[code.replace(/^:|:$/g, '')] ?? code;
}
