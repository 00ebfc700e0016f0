/**
 * Product name, version and transport mode. The mode matters to an operator:
 * in browser mode closing the tab does not stop Keyturn, and the URL carries
 * an access token that must not be shared.
 */
import { useAppInfo } from '../api/use-app.ts';
import { Badge } from '../components/Badges.tsx';
import { Icon } from '../components/Icon.tsx';

/** The strip across the top of the window. */
export function TopBar() {
  const info = useAppInfo();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          <Icon name="key" size={15} />
        </span>
        Keyturn
      </div>
      <div className="topbar-meta" data-testid="app-mode">
        {info.data && (
          <>
            <span className="mono muted">v{info.data.version}</span>
            <Badge
              tone={info.data.mode === 'browser' ? 'info' : 'neutral'}
              title={info.data.mode === 'browser' ? 'Served over the local bridge on 127.0.0.1; the URL holds an access token.' : 'Desktop app'}
            >
              {info.data.mode} mode
            </Badge>
          </>
        )}
        {info.isError && (
          <Badge tone="bad" title={info.error instanceof Error ? info.error.message : undefined}>
            not connected
          </Badge>
        )}
      </div>
    </header>
  );
}
