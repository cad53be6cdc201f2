/** Small pieces the game-day pages share: status, mode and level badges, and the section's tabs. */
import { Badge } from '../../components/ui.js';
import { Link, useLocation } from '../../lib/router.js';
import {
  LEVEL_TEXT,
  MODE_TEXT,
  STATUS_TEXT,
  type GamedayMode,
  type GamedayStatus,
  type ScenarioLevel,
} from './types.js';

const STATUS_TONE = { scheduled: 'info', running: 'warn', halted: 'bad', ended: 'good', cancelled: 'neutral' } as const;

export function GamedayStatusBadge({ status }: { status: GamedayStatus }) {
  return (
    <span data-testid="gameday-status">
      <Badge tone={STATUS_TONE[status] ?? 'neutral'}>{STATUS_TEXT[status] ?? status}</Badge>
    </span>
  );
}

export function ModeBadge({ mode }: { mode: GamedayMode }) {
  return <Badge tone={mode === 'live' ? 'warn' : 'neutral'}>{MODE_TEXT[mode] ?? mode}</Badge>;
}

const LEVEL_TONE = { tabletop: 'good', live: 'warn', injection: 'bad' } as const;

export function LevelBadge({ level }: { level: ScenarioLevel }) {
  return <Badge tone={LEVEL_TONE[level] ?? 'neutral'}>{LEVEL_TEXT[level] ?? level}</Badge>;
}

/** Game days · Scenario library: links, so each is its own address. */
export function GamedayTabs() {
  const { pathname } = useLocation();
  const tabs = [
    { to: '/gamedays', text: 'Game days' },
    { to: '/gamedays/scenarios', text: 'Scenario library' },
  ];
  return (
    <nav className="tabs" aria-label="Game days">
      {tabs.map((t) => (
        <Link
          key={t.to}
          to={t.to}
          className={pathname === t.to ? 'tab active' : 'tab'}
          aria-current={pathname === t.to ? 'page' : undefined}
        >
          {t.text}
        </Link>
      ))}
    </nav>
  );
}
