/**
 * Reading a function's environment once, at cold start: every rule is checked and every
 * problem collected, so one error names every bad variable. The processor (env.ts) and the
 * heartbeat and /health functions (regional-env.ts) share it.
 */

export const REGION_FORM = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const TABLE_NAME_FORM = /^[\w.-]{3,255}$/;
export const BUCKET_NAME_FORM = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An ARN of `service` in a region and account, with the given resource pattern. */
export const arnForm = (service: string, resource: string) =>
  new RegExp(`^arn:aws[a-z-]*:${service}:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:${resource}$`);

export const KEY_ARN_FORM = arnForm('kms', 'key/[\\w-]{1,128}');

export function envReader(env: NodeJS.ProcessEnv) {
  const problems: string[] = [];
  const value = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const bad = (name: string, v: string | undefined, expected: string) =>
    problems.push(
      `${name}${v === undefined ? ' is not set' : `=${JSON.stringify(v.slice(0, 300))} is invalid`}: expected ${expected}`,
    );
  const text = (name: string, form: RegExp, expected: string) => {
    const v = value(name);
    if (v === undefined || !form.test(v)) bad(name, v, expected);
    return v ?? '';
  };
  const whole = (name: string, max: number, fallback: number, unit: string, min = 1) => {
    const v = value(name);
    const n = v === undefined ? fallback : /^[1-9]\d{0,5}$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) bad(name, v, `a whole number of ${unit} from ${min} to ${max} (default ${fallback})`);
    return n;
  };
  const done = (what: string) => {
    if (problems.length) throw new Error(`Invalid ${what} environment: ${problems.join('; ')}`);
  };
  return { value, bad, text, whole, done };
}

export type EnvReader = ReturnType<typeof envReader>;
