import type * as Session from "@app/core/session";
import type { PropsWithChildren } from "hono/jsx";
import { assetUrl } from "./version.ts";

export type Notice = { tone: "info" | "ok" | "error"; text: string };

/**
 * A UTC date formatter, made on first use: each Intl.DateTimeFormat costs milliseconds of ICU
 * set-up, and at import that would be paid by every cold start, console or not.
 */
const utc = (options: Intl.DateTimeFormatOptions) => {
  let format: Intl.DateTimeFormat | undefined;
  return (iso: string) => {
    format ??= new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" });
    return format.format(new Date(iso));
  };
};
const day = utc({ day: "numeric", month: "short", year: "numeric" });
const time = utc({ hour: "2-digit", minute: "2-digit" });
const dateTime = utc({ day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });

export const When = ({ iso, stacked }: { iso: string | null; stacked?: boolean }) =>
  !iso ? (
    <span class="muted">—</span>
  ) : stacked ? (
    <time class="stacked" datetime={iso} title={iso}>
      <span>{day(iso)}</span>
      <span>{`${time(iso)} UTC`}</span>
    </time>
  ) : (
    <time datetime={iso} title={iso}>
      {`${dateTime(iso)} UTC`}
    </time>
  );

export const Mark = () => <img class="brand-mark" src={assetUrl("icon.svg")} alt="" width="28" height="28" />;

export const CsrfField = ({ token }: { token: string }) => <input type="hidden" name="_csrf" value={token} />;

export const NoticeBox = ({ notice }: { notice?: Notice | undefined }) =>
  notice ? (
    <div class={`notice ${notice.tone}`} role={notice.tone === "error" ? "alert" : "status"}>
      <span aria-hidden="true">{notice.tone === "error" ? "⚠" : notice.tone === "ok" ? "✓" : "ℹ"}</span>
      <p>{notice.text}</p>
    </div>
  ) : null;

const Head = ({ title }: { title: string }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>{`${title} · App Connections`}</title>
    <link rel="icon" type="image/svg+xml" href={assetUrl("icon.svg")} />
    <link rel="stylesheet" href={assetUrl("console.css")} />
    <script src={assetUrl("console.js")} defer />
  </head>
);

/** The frame of every signed-in page: top bar with the org and sign-out, then the page. */
export const Layout = ({
  title,
  session,
  notice,
  section = "connections",
  children,
}: PropsWithChildren<{
  title: string;
  session: Session.Info;
  notice?: Notice | undefined;
  section?: "connections" | "secrets";
}>) => (
  <html lang="en">
    <Head title={title} />
    <body>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <a class="brand" href="/console">
            <Mark />
            <span>App Connections</span>
          </a>
          <nav class="topnav" aria-label="Sections">
            <a href="/console" aria-current={section === "connections" ? "page" : undefined}>
              Connections
            </a>
            <a href="/console/secrets" aria-current={section === "secrets" ? "page" : undefined}>
              Secrets
            </a>
          </nav>
          <div class="topbar-meta">
            <span title={`Organisation ${session.actor.orgId}`}>
              Org <span class="mono">{session.actor.orgId.slice(0, 8)}</span>
            </span>
            <form class="inline" method="post" action="/console/sign-out">
              <CsrfField token={session.csrfToken} />
              <button class="button quiet" type="submit">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </header>
      <main id="main" tabindex={-1}>
        <NoticeBox notice={notice} />
        {children}
      </main>
      <div id="announcer" class="visually-hidden" role="status" aria-live="polite" />
    </body>
  </html>
);

/** A page outside a session: sign-in, or an error before one exists. */
export const Bare = ({ title, children }: PropsWithChildren<{ title: string }>) => (
  <html lang="en">
    <Head title={title} />
    <body>
      <main id="main" class="signin">
        {children}
      </main>
    </body>
  </html>
);

export const SignInPage = ({
  csrf,
  notice,
  error,
}: {
  csrf: string;
  notice?: Notice | undefined;
  error?: string | undefined;
}) => (
  <Bare title="Sign in">
    <div class="card">
      <div class="card-body">
        <div class="brand">
          <Mark />
          <span>App Connections</span>
        </div>
        <h1>Sign in</h1>
        <p class="lead">Use an API key of your organisation. The console acts with exactly that key's access.</p>
        <NoticeBox notice={notice} />
        <form method="post" action="/console/sign-in" data-validate>
          <CsrfField token={csrf} />
          <div class="field">
            <label for="apiKey">API key</label>
            <input
              id="apiKey"
              name="apiKey"
              type="password"
              required
              maxlength={512}
              autocomplete="off"
              autofocus
              data-required="Enter an API key"
              aria-describedby="apiKey-hint apiKey-error"
              aria-invalid={error ? "true" : undefined}
            />
            <p class="hint" id="apiKey-hint">
              <code>npm run create-api-key</code> makes one; <code>npm run dev</code> prints one.
            </p>
            <p class="field-error" id="apiKey-error" data-error-for="apiKey">
              {error ?? ""}
            </p>
          </div>
          <button class="button primary" type="submit" data-busy="Signing in…">
            Sign in
          </button>
        </form>
      </div>
    </div>
  </Bare>
);

export const ErrorPage = ({
  title,
  message,
  session,
}: {
  title: string;
  message: string;
  session?: Session.Info | undefined;
}) => {
  const body = (
    <div class="card">
      <div class="card-body stack">
        <h1>{title}</h1>
        <p>{message}</p>
        <div class="actions">
          <a class="button" href="/console">
            Back to App Connections
          </a>
        </div>
      </div>
    </div>
  );
  return session ? (
    <Layout title={title} session={session}>
      {body}
    </Layout>
  ) : (
    <Bare title={title}>{body}</Bare>
  );
};
