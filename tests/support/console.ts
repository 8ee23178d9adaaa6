import { expect } from "vitest";

/** The value of a hidden form field in a page. */
export const hidden = (html: string, name: string) =>
  html.match(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`))?.[1];

/** `name=value` of a Set-Cookie header, and the header itself. */
export function cookie(res: Response, name: string) {
  const header = res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`));
  return header ? { header, value: header.slice(name.length + 1).split(";")[0] ?? "" } : undefined;
}

/**
 * A browser stand-in over fetch for the console: it keeps the session cookie, sends the page's
 * Origin, and can leave out or forge what a forged request would lack.
 */
export class ConsoleClient {
  session = "";
  csrf = "";
  /** Every HTML body this client received, for secret scans. */
  readonly pages: string[] = [];

  constructor(readonly url: string) {}

  async get(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.url}${path}`, {
      redirect: "manual",
      headers: { ...(this.session ? { cookie: `rwc_session=${this.session}` } : {}), ...headers },
    });
    return this.keep(res);
  }

  async post(
    path: string,
    form: Record<string, string>,
    opts: { origin?: string | null; csrf?: string | null; headers?: Record<string, string> } = {},
  ) {
    const origin = opts.origin === undefined ? this.url : opts.origin;
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    const res = await fetch(`${this.url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(origin ? { origin } : {}),
        ...(this.session ? { cookie: `rwc_session=${this.session}` } : {}),
        ...opts.headers,
      },
      body: new URLSearchParams({ ...(csrf !== null ? { _csrf: csrf } : {}), ...form }),
    });
    return this.keep(res);
  }

  private async keep(res: Response) {
    const text = await res.text();
    this.pages.push(text);
    return Object.assign(res, { html: text });
  }

  /** Signs in as a browser would: the form's token travels in a cookie and in the form. */
  async signIn(apiKey: string) {
    const form = await fetch(`${this.url}/console/sign-in`);
    const signin = cookie(form, "rwc_signin");
    const html = await form.text();
    const res = await fetch(`${this.url}/console/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: this.url,
        cookie: `rwc_signin=${signin?.value}`,
      },
      body: new URLSearchParams({ _csrf: hidden(html, "_csrf") ?? "", apiKey }),
    });
    expect(res.status).toBe(303);
    const session = cookie(res, "rwc_session");
    expect(session).toBeDefined();
    this.session = session?.value ?? "";
    const console = await this.get("/console");
    expect(console.status).toBe(200);
    this.csrf = hidden(console.html, "_csrf") ?? "";
    expect(this.csrf).toMatch(/^[\w-]{43}$/);
    return { res, cookie: session?.header ?? "" };
  }
}
