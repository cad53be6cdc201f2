/** The "show people outside the team" switch of a team's person pickers (organisation administrators only). */
import type { TeamPicker } from './people.js';

export function ShowEveryoneToggle({ picker, id }: { picker: TeamPicker; id: string }) {
  if (!picker.canShowEveryone) return null;
  return (
    <label className="check picker-toggle" htmlFor={id}>
      <input
        id={id}
        type="checkbox"
        checked={picker.showEveryone}
        onChange={(e) => picker.setShowEveryone(e.target.checked)}
      />
      Show people outside {picker.teamName}
    </label>
  );
}
