//! Staff sign-in, sessions and access control through the real router, on
//! SQLite and PostgreSQL.
use crate::common;

use app::staff::api::{ListStaff, Whoami};
use app::staff::Role;
use common::{location, server_fn_path, spawn_app, Backend, TestApp};
use std::time::{Duration, Instant};

/// The page's HTML without Leptos's `<!>` hydration markers.
async fn page_text(res: reqwest::Response) -> String {
    res.text().await.expect("a body").replace("<!>", "")
}

const ADMIN: (&str, &str) = ("owner@example.com", "correct horse battery staple");
const CASHIER: (&str, &str) = ("till@example.com", "blue river stones 42");

async fn signed_out_staff_pages_redirect_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();
    for page in [
        "/",
        "/settings",
        "/staff",
        "/account",
        "/orders",
        "/orders/1001",
        "/customers",
        "/customers/new",
        "/catalog",
        "/catalog/new",
        "/catalog/import",
    ] {
        let res = client
            .get(app.url(page))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302, "{page}");
        assert_eq!(location(&res), format!("/login?next={page}"), "{page}");
    }
    let res = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = page_text(res).await;
    assert!(body.contains(r#"<label for="email">Email</label>"#));
    assert!(body.contains(r#"<label for="password">Password</label>"#));
    assert!(body.contains(">Sign in</button>"));
    app.stop().await;
}

/// A client with no cookie jar that does not follow redirects: each request
/// carries exactly the cookie the test gives it.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building a client")
}

/// Whoami's status and body for a request presenting only `session` as its
/// session id.
async fn whoami_with(app: &TestApp, session: &str) -> (u16, String) {
    let res = bare_client()
        .post(app.url(server_fn_path::<Whoami>()))
        .header("cookie", format!("settle_session={session}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), page_text(res).await)
}

async fn sign_in_cycles_the_session_and_sign_out_ends_it(backend: Backend) {
    let app = spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;

    // Session fixation: an attacker plants a session id they know in the
    // victim's browser, and waits for the victim to sign in with it. Nothing
    // Settle serves before sign-in starts a session (a failed attempt only
    // redirects, and `GET /login` sets no cookie), so the id an attacker can
    // really hold is one of their own signing-in: a live session the store knows.
    let res = bare_client()
        .post(app.url("/login"))
        .form(&[("email", CASHIER.0), ("password", CASHIER.1), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/", "the attacker's own sign-in succeeds");
    let planted = res
        .cookies()
        .find(|c| c.name() == "settle_session")
        .map(|c| c.value().to_owned())
        .expect("signing in sets a session cookie");
    let (status, body) = whoami_with(&app, &planted).await;
    assert_eq!(status, 200, "the planted id is a live session");
    assert!(body.contains(CASHIER.0), "{body}");

    // The victim's browser presents the planted id while signing in.
    let res = bare_client()
        .post(app.url("/login"))
        .header("cookie", format!("settle_session={planted}"))
        .form(&[
            ("email", "OWNER@example.com"),
            ("password", ADMIN.1),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/staff", "returns to the page asked for");
    let cookie = res
        .cookies()
        .find(|c| c.name() == "settle_session")
        .expect("a session cookie");
    assert!(cookie.http_only());
    assert_eq!(cookie.same_site_lax(), true);
    let session = cookie.value().to_owned();
    assert_ne!(session, planted, "signing in must not keep the planted id");

    // The new id is the victim's; the planted one signs nobody in any more,
    // neither as the victim nor as the attacker it belonged to.
    let (status, body) = whoami_with(&app, &session).await;
    assert_eq!(status, 200);
    assert!(body.contains(ADMIN.0), "{body}");
    let (status, body) = whoami_with(&app, &planted).await;
    assert_eq!(
        status, 401,
        "the planted id is worthless after sign-in: {body}"
    );
    let res = bare_client()
        .get(app.url("/staff"))
        .header("cookie", format!("settle_session={planted}"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "the planted id opens no staff page");
    assert_eq!(location(&res), "/login?next=/staff");

    let res = bare_client()
        .get(app.url("/"))
        .header("cookie", format!("settle_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = page_text(res).await;
    assert!(body.contains("Welcome, Test Person"), "{body}");
    assert!(body.contains(">Sign out</button>"));

    // Signing out ends the session in the store, not only in the browser:
    // the id, presented again, is signed out.
    let res = bare_client()
        .post(app.url("/logout"))
        .header("cookie", format!("settle_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?signed_out=1");
    let res = bare_client()
        .get(app.url("/"))
        .header("cookie", format!("settle_session={session}"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "signed out means signed out");
    let (status, _) = whoami_with(&app, &session).await;
    assert_eq!(status, 401);
    app.stop().await;
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let client = app.client();
    let mut answers = Vec::new();
    for (email, password) in [
        (ADMIN.0, "not the password"),
        ("nobody@example.com", "not the password"),
        ("not an email", "x"),
        ("evil\u{0}@example.com\r\nBcc: x@example.com", "x"),
    ] {
        let res = client
            .post(app.url("/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        answers.push((res.status().as_u16(), location(&res)));
    }
    assert!(
        answers
            .iter()
            .all(|a| *a == (303, "/login?error=invalid".to_owned())),
        "{answers:?}"
    );
    let page = client
        .get(app.url("/login?error=invalid"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("The email or password is incorrect."));

    let long = "x".repeat(5000);
    let res = client
        .post(app.url("/login"))
        .form(&[("email", ADMIN.0), ("password", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?error=too_long");

    // A form with fields missing is a failed sign-in, not a 422 or a panic.
    let res = client
        .post(app.url("/login"))
        .form(&[("nothing", "here")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?error=invalid");
    app.stop().await;
}

/// One failed sign-in with a wrong password for `email`, timed from the
/// request to the answer.
async fn timed_failure(app: &TestApp, client: &reqwest::Client, email: &str) -> Duration {
    let started = Instant::now();
    let res = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", "not the password")])
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    // A throttled answer skips the hash: it would be no measurement at all.
    assert_eq!(location(&res), "/login?error=invalid", "{email}");
    took
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The README's promise, measured: a wrong password for an account that
/// exists and any password for an email that does not take the same time
/// (the unknown email is verified against a decoy hash). Compared by median
/// over many tries, alternating which goes first so the machine's other work
/// falls on both alike; argon2 dominates both, so the tolerance is generous
/// and a missing decoy (an answer without hashing) still fails by far.
async fn wrong_password_and_unknown_email_take_the_same_time(backend: Backend) {
    // Every try is a failure from this one address, which the throttle allows
    // 30 times per 15 minutes: 1 warm-up + 2 × ROUNDS = 29. Wrong passwords
    // are spread over ACCOUNTS accounts, at most 3 each (a 4th at once would
    // wait for the account and address pair); unknown emails are all different.
    const ROUNDS: usize = 14;
    const ACCOUNTS: usize = 5;
    const TOLERANCE: f64 = 1.5;
    let app = spawn_app(backend).await;
    let accounts: Vec<String> = (0..ACCOUNTS)
        .map(|i| format!("timing{i}@example.com"))
        .collect();
    for email in &accounts {
        app.add_staff(email, ADMIN.1, Role::Cashier).await;
    }
    let client = app.client();
    // The decoy hash is made on its first use: not part of what is measured.
    timed_failure(&app, &client, "warm-up@example.com").await;

    let mut wrong = Vec::with_capacity(ROUNDS);
    let mut unknown = Vec::with_capacity(ROUNDS);
    for i in 0..ROUNDS {
        let existing = accounts[i % ACCOUNTS].as_str();
        let nobody = format!("nobody{i}@example.com");
        if i % 2 == 0 {
            wrong.push(timed_failure(&app, &client, existing).await);
            unknown.push(timed_failure(&app, &client, &nobody).await);
        } else {
            unknown.push(timed_failure(&app, &client, &nobody).await);
            wrong.push(timed_failure(&app, &client, existing).await);
        }
    }
    let (wrong, unknown) = (median(&mut wrong), median(&mut unknown));
    let ratio = wrong.max(unknown).as_secs_f64() / wrong.min(unknown).as_secs_f64();
    eprintln!(
        "median sign-in failure: wrong password {wrong:?}, unknown email {unknown:?} (×{ratio:.2})"
    );
    assert!(
        ratio < TOLERANCE,
        "a wrong password takes {wrong:?} and an unknown email {unknown:?} (medians of {ROUNDS}): \
         ×{ratio:.2}, over ×{TOLERANCE}"
    );
    app.stop().await;
}

async fn repeated_failures_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let client = app.client();
    for _ in 0..3 {
        let res = client
            .post(app.url("/login"))
            .form(&[("email", ADMIN.0), ("password", "guess")])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&res), "/login?error=invalid");
    }
    // Even the right password waits, from this address, until the pair's
    // wait is over; the answer says how long.
    let res = client
        .post(app.url("/login"))
        .form(&[("email", ADMIN.0), ("password", ADMIN.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login?error=throttled&wait=1");
    let page = client
        .get(app.url("/login?error=throttled&wait=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Too many failed attempts. Please wait 1 second and try again."),
        "{page}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = client
        .post(app.url("/login"))
        .form(&[("email", ADMIN.0), ("password", ADMIN.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&res),
        "/",
        "after the wait, the right password signs in"
    );
    app.stop().await;
}

async fn roles_are_enforced_by_pages_and_server_fns(backend: Backend) {
    let app = spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    app.add_staff(CASHIER.0, CASHIER.1, Role::Cashier).await;

    let anonymous = app.client();
    let res = anonymous
        .post(app.url(server_fn_path::<ListStaff>()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let cashier = app.signed_in_client(CASHIER.0, CASHIER.1).await;
    let res = cashier
        .post(app.url(server_fn_path::<ListStaff>()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    for page in [
        "/settings",
        "/staff",
        "/catalog",
        "/catalog/new",
        "/catalog/import",
    ] {
        let res = cashier
            .get(app.url(page))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{page}");
        assert!(page_text(res).await.contains("does not have access"));
    }
    let res = cashier.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        !page_text(res).await.contains(r#"href="/settings""#),
        "no admin links for cashiers"
    );

    let admin = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let res = admin
        .post(app.url(server_fn_path::<ListStaff>()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let list = page_text(res).await;
    assert!(list.contains(CASHIER.0) && list.contains(ADMIN.0));
    assert!(!list.contains("argon2"), "hashes never leave the server");
    let res = admin.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = admin.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(page_text(res).await.contains("My Store"));
    app.stop().await;
}

async fn crafted_session_cookies_are_refused_cleanly(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for cookie in [
        "settle_session=AAAAAAAAAAAAAAAAAAAAAA",
        "settle_session=not-base64-!!!",
        "settle_session=",
        "settle_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let res = client.get(app.url("/")).header("cookie", cookie).header("accept", "text/html").send().await.unwrap();
        assert_eq!(res.status(), 302, "{cookie}");
        let res = client.post(app.url(server_fn_path::<Whoami>())).header("cookie", cookie).send().await.unwrap();
        assert_eq!(res.status(), 401, "{cookie}");
    }
    app.stop().await;
}

async fn sessions_survive_a_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let client = app.signed_in_client(ADMIN.0, ADMIN.1).await;
    let url = app.test_db.url.clone();
    let res = client
        .post(app.url(server_fn_path::<Whoami>()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A second process on the same database honours the same session.
    let config = common::test_config(&url);
    let db = server::db::connect(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::serve::serve(listener, &config, db, async {
            let _ = stopped.await;
        })
        .await
    });
    let res = client
        .post(format!("http://{addr}{}", server_fn_path::<Whoami>()))
        .send()
        .await
        .unwrap();
    // reqwest scopes cookies by host; 127.0.0.1 on another port shares them.
    assert_eq!(res.status(), 200);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    app.stop().await;
}

async fn hardening_headers_limits_and_health(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.client();

    let res = client.get(app.url("/login")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(
        csp.contains("https://js.stripe.com"),
        "Stripe.js will be allowed: {csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a script nonce")
        .to_owned();
    assert!(
        !csp.contains("'unsafe-inline' 'wasm"),
        "scripts need the nonce"
    );
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "no HSTS over http"
    );
    let body = page_text(res).await;
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script carries the nonce"
    );
    let again = client.get(app.url("/login")).send().await.unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(&nonce),
        "a fresh nonce per page"
    );

    let res = client
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", ADMIN.0), ("password", ADMIN.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "cross-site form posts are refused");
    let res = client
        .post(app.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Announce a body over 1 MB and send none of it: the answer must come from
    // the limit alone, before any byte of the body is read.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        let head = format!(
            "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            app.addr,
            1024 * 1024 + 1
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 64];
        let n = stream.read(&mut answer).await.unwrap();
        let status_line = String::from_utf8_lossy(&answer[..n]).to_string();
        assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
    }

    let res = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["database"],
        "ok"
    );

    let res = client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    app.stop().await;
}

async fn hsts_when_public_url_is_https(backend: Backend) {
    let app =
        common::spawn_app_with(backend, |c| c.public_url = "https://shop.example".into()).await;
    let res = app.client().get(app.url("/login")).send().await.unwrap();
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
    app.stop().await;
}

both_backends!(
    signed_out_staff_pages_redirect_to_sign_in,
    sign_in_cycles_the_session_and_sign_out_ends_it,
    wrong_password_and_unknown_email_look_the_same,
    wrong_password_and_unknown_email_take_the_same_time,
    repeated_failures_are_throttled,
    roles_are_enforced_by_pages_and_server_fns,
    crafted_session_cookies_are_refused_cleanly,
    sessions_survive_a_restart,
    hardening_headers_limits_and_health,
    hsts_when_public_url_is_https,
);
