/** A region's availability zones, named and numbered as AWS names them. */

/** Zone letters per region; regions not listed get a, b and c. */
const ZONE_LETTERS: ReadonlyMap<string, string> = new Map([
  ['us-east-1', 'abcdef'],
  ['us-east-2', 'abc'],
  ['us-west-1', 'ac'],
  ['us-west-2', 'abcd'],
  ['ca-central-1', 'abd'],
  ['sa-east-1', 'abc'],
  ['eu-west-1', 'abc'],
  ['eu-central-1', 'abc'],
  ['ap-northeast-1', 'acd'],
  ['ap-southeast-2', 'abc'],
]);

export interface Zone {
  name: string;
  /** `use1-az1`: the zone's id, the same for every account. */
  id: string;
}

/** `us-east-1` → `use1`, `ap-northeast-1` → `apne1`, as AWS abbreviates regions in zone ids. */
function regionCode(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  const short = direction.replace(
    /(north|south)?(east|west|central)?/,
    (_m, ns?: string, ew?: string) => (ns ? ns[0]! : '') + (ew ? ew[0]! : ''),
  );
  return `${area}${short}${number}`;
}

export function zonesOf(region: string): Zone[] {
  const code = regionCode(region);
  return [...(ZONE_LETTERS.get(region) ?? 'abc')].map((letter, i) => ({
    name: `${region}${letter}`,
    id: `${code}-az${i + 1}`,
  }));
}
