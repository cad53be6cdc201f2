/** A time zone picker (IANA names, typed or chosen from the list) that says what the zone means right now. */
import { useMemo } from 'react';
import { timeZones } from '../lib/format.js';
import { isValidZone, zoneDescription } from '../pages/oncall/zone.js';

export function TimeZoneInput({
  id,
  value,
  onChange,
  required,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  required?: boolean;
}) {
  const zones = useMemo(timeZones, []);
  const listId = `${id}-zones`;
  return (
    <>
      <input
        id={id}
        list={listId}
        value={value}
        required={required}
        autoComplete="off"
        spellCheck={false}
        placeholder="e.g. Europe/London"
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id={listId}>
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </>
  );
}

/** "Europe/Berlin · CET, UTC+01:00 now", or a warning for a name that is not a zone. */
export function zoneHint(zone: string, now = Date.now()): string {
  if (!zone) return 'An IANA time zone such as Europe/London.';
  if (!isValidZone(zone)) return `“${zone}” is not a known IANA time zone.`;
  return `${zoneDescription(now, zone)} now.`;
}
