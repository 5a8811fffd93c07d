import { isAdmin } from '../state/session';
import { AppsAdmin } from './AppsAdmin';
import { Icon } from '../ui/Icon';

/** The admin pages: refused to anyone who is not an admin. */
export function Admin({ section }: { section: string }) {
  if (!isAdmin()) {
    return (
      <main class="refused">
        <h1>Not allowed</h1>
        <p>Only administrators can open this page.</p>
        <a class="button" href="/home" data-nav>
          Back to the chat
        </a>
      </main>
    );
  }
  return (
    <div class="admin">
      <header class="admin-head">
        <a class="icon" href="/home" data-nav aria-label="Back to the chat">
          <Icon name="back" />
        </a>
        <h1>Administration</h1>
        <nav aria-label="Admin sections">
          <a href="/admin/apps" data-nav aria-current={section === 'apps' ? 'page' : undefined}>
            Apps
          </a>
        </nav>
      </header>
      <main class="admin-main" id="main">
        <AppsAdmin />
      </main>
    </div>
  );
}
