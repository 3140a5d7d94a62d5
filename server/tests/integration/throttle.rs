//! Throttles behind a proxy: counts keyed on the client a trusted proxy
//! names (and only a trusted one), a right pay key never throttled, sign-in
//! waits per account and client, no argon2 run for a refused attempt, and
//! one set of counts for every process on the database. SQLite and
//! PostgreSQL.
use crate::common::{self, location, Backend, TestApp, TestDb};
use crate::pay::shop_with_invoice;
use app::proxy::ClientAddr;
use app::staff::ssr::throttle::SignInThrottle;
use app::staff::Role;
use app::throttle::{self, Admission, Key, Policy};
use std::time::Duration;

const ADMIN: (&str, &str) = ("owner@example.com", "correct horse battery staple");
/// Two customers behind the same proxy, as it names them.
const CLIENT_A: &str = "203.0.113.7";
const CLIENT_B: &str = "198.51.100.9";
const WRONG_KEY: &str = "/pay/1001?key=AAAAAAAAAAAAAAAAAAAAAA";

/// A Settle behind a proxy on 127.0.0.1 (where the tests connect from).
async fn behind_proxy(backend: Backend) -> TestApp {
    common::spawn_app_with(backend, |c| common::trust(c, "127.0.0.1")).await
}

async fn get_as(client: &reqwest::Client, url: &str, forwarded_for: &str) -> u16 {
    client
        .get(url)
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .expect("a GET")
        .status()
        .as_u16()
}

/// Posts the sign-in form as `forwarded_for`; where it redirects.
async fn sign_in_as(
    client: &reqwest::Client,
    base: &str,
    forwarded_for: &str,
    email: &str,
    password: &str,
) -> String {
    let res = client
        .post(format!("{base}/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("posting the sign-in form");
    assert_eq!(res.status(), 303);
    location(&res)
}

async fn wrong_pay_keys_count_per_client(backend: Backend) {
    let app = behind_proxy(backend).await;
    let path = shop_with_invoice(&app).await;
    let browser = app.client();
    let allowance = app::payments::pay::ssr::WRONG_KEYS_PER_ADDRESS as usize;
    let mut answers = Vec::new();
    for _ in 0..25 {
        answers.push(get_as(&browser, &app.url(WRONG_KEY), CLIENT_A).await);
    }
    let expected: Vec<u16> = (0..25)
        .map(|i| if i < allowance { 404 } else { 429 })
        .collect();
    assert_eq!(answers, expected, "25 wrong keys from one client");
    assert_eq!(
        get_as(
            &browser,
            &app.url("/pay/1001/return?key=AAAAAAAAAAAAAAAAAAAAAA"),
            CLIENT_A
        )
        .await,
        429,
        "the return page counts the same way"
    );
    assert_eq!(
        get_as(&browser, &app.url(&path), CLIENT_A).await,
        200,
        "a right key from the same client is never throttled"
    );
    assert_eq!(
        get_as(&browser, &app.url(WRONG_KEY), CLIENT_B).await,
        404,
        "another client behind the same proxy has its own allowance"
    );
    assert_eq!(get_as(&browser, &app.url(&path), CLIENT_B).await, 200);
    // What the client writes to the left of what the proxy appended is not
    // believed: still client A.
    assert_eq!(
        get_as(
            &browser,
            &app.url(WRONG_KEY),
            &format!("{CLIENT_B}, {CLIENT_A}")
        )
        .await,
        429,
        "a spoofed leftmost entry changes nothing"
    );
    // RFC 7239 from the same proxy names a client too.
    let res = browser
        .get(app.url(WRONG_KEY))
        .header("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "an IPv6 client has its own allowance");
    app.stop().await;
}

async fn an_untrusted_peer_cannot_name_its_client(backend: Backend) {
    // The proxy list does not include 127.0.0.1, where the tests connect from.
    let app = common::spawn_app_with(backend, |c| common::trust(c, "10.0.0.0/8, ::1")).await;
    let path = shop_with_invoice(&app).await;
    let browser = app.client();
    let allowance = app::payments::pay::ssr::WRONG_KEYS_PER_ADDRESS;
    for _ in 0..allowance {
        assert_eq!(get_as(&browser, &app.url(WRONG_KEY), CLIENT_A).await, 404);
    }
    assert_eq!(
        get_as(&browser, &app.url(WRONG_KEY), CLIENT_B).await,
        429,
        "X-Forwarded-For from an untrusted peer is ignored: one client, the connection"
    );
    let res = browser
        .get(app.url(WRONG_KEY))
        .header("forwarded", "for=192.0.2.44")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "and so is Forwarded");
    assert_eq!(get_as(&browser, &app.url(&path), CLIENT_B).await, 200);

    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let base = app.url("");
    for _ in 0..3 {
        assert_eq!(
            sign_in_as(&browser, &base, CLIENT_A, ADMIN.0, "guess").await,
            "/login?error=invalid"
        );
    }
    let refused = sign_in_as(&browser, &base, CLIENT_B, ADMIN.0, ADMIN.1).await;
    assert!(
        refused.starts_with("/login?error=throttled"),
        "the headers name no one: both are the connection ({refused})"
    );
    app.stop().await;
}

async fn sign_in_waits_per_account_and_client(backend: Backend) {
    let app = behind_proxy(backend).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let base = app.url("");
    let a = app.client();
    assert_eq!(app.passwords.runs(), 0);
    let mut answers = Vec::new();
    for _ in 0..10 {
        answers.push(sign_in_as(&a, &base, CLIENT_A, ADMIN.0, "a wrong guess").await);
    }
    assert!(
        answers[..3].iter().all(|l| l == "/login?error=invalid"),
        "{answers:?}"
    );
    assert!(
        answers[3..]
            .iter()
            .all(|l| l.starts_with("/login?error=throttled&wait=")),
        "after 3 failures client A waits: {answers:?}"
    );
    assert_eq!(
        app.passwords.runs(),
        3,
        "the 7 refused attempts never reached argon2"
    );
    // Even the right password from A waits; the wait has grown past the first second.
    let refused = sign_in_as(&a, &base, CLIENT_A, ADMIN.0, ADMIN.1).await;
    assert!(
        refused.starts_with("/login?error=throttled&wait="),
        "{refused}"
    );
    assert_eq!(app.passwords.runs(), 3);

    // The admin, elsewhere, signs in at once.
    let b = app.client();
    assert_eq!(sign_in_as(&b, &base, CLIENT_B, ADMIN.0, ADMIN.1).await, "/");
    assert_eq!(app.passwords.runs(), 4);

    // The waits grow: 1 s after the 3rd failure, then 2 s after the 4th.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        sign_in_as(&a, &base, CLIENT_A, ADMIN.0, "another guess").await,
        "/login?error=invalid"
    );
    assert_eq!(
        sign_in_as(&a, &base, CLIENT_A, ADMIN.0, ADMIN.1).await,
        "/login?error=throttled&wait=2"
    );
    let (_, html) = common::page(&a, &app.url("/login?error=throttled&wait=2")).await;
    assert!(
        html.contains("Too many failed attempts. Please wait 2 seconds and try again."),
        "{html}"
    );
    app.stop().await;
}

async fn two_processes_share_the_counts(backend: Backend) {
    let app = behind_proxy(backend).await;
    shop_with_invoice(&app).await;
    app.add_staff(ADMIN.0, ADMIN.1, Role::Admin).await;
    let other = app.sibling(|c| common::trust(c, "127.0.0.1")).await;
    let browser = app.client();

    let allowance = app::payments::pay::ssr::WRONG_KEYS_PER_ADDRESS;
    for i in 0..allowance {
        let url = if i % 2 == 0 {
            app.url(WRONG_KEY)
        } else {
            other.url(WRONG_KEY)
        };
        assert_eq!(get_as(&browser, &url, CLIENT_A).await, 404);
    }
    assert_eq!(
        get_as(&browser, &app.url(WRONG_KEY), CLIENT_A).await,
        429,
        "half the wrong keys went to each process: one allowance"
    );
    assert_eq!(get_as(&browser, &other.url(WRONG_KEY), CLIENT_A).await, 429);

    for _ in 0..3 {
        assert_eq!(
            sign_in_as(&browser, &app.url(""), CLIENT_A, ADMIN.0, "guess").await,
            "/login?error=invalid"
        );
    }
    let refused = sign_in_as(&browser, &other.url(""), CLIENT_A, ADMIN.0, ADMIN.1).await;
    assert!(
        refused.starts_with("/login?error=throttled"),
        "the other process knows of the 3 failures: {refused}"
    );
    assert_eq!(other.passwords.runs(), 0, "and hashed nothing to refuse");
    other.stop().await;
    app.stop().await;
}

fn client(ip: &str) -> ClientAddr {
    ip.parse::<std::net::IpAddr>().expect("an address").into()
}

/// The store itself: many attempts at once never use more than the
/// allowance, a release gives one back, a pruned row is gone.
async fn counts_hold_under_concurrency(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let key = Key::new("test/burst", &[CLIENT_A]);
    let cap = Policy::Cap {
        max: 10,
        window: Duration::from_secs(60),
    };
    let burst: Vec<_> = (0..40)
        .map(|_| {
            let (db, key) = (db.clone(), key.clone());
            tokio::spawn(async move { throttle::admit(&db, &key, cap).await.unwrap() })
        })
        .collect();
    let mut admitted = 0;
    for attempt in burst {
        if attempt.await.unwrap() == Admission::Admitted {
            admitted += 1;
        }
    }
    assert!(
        admitted <= 10,
        "{admitted} of 40 let in past an allowance of 10"
    );
    // What contention refused is still there to use, and not one more.
    while throttle::admit(&db, &key, cap).await.unwrap() == Admission::Admitted {
        admitted += 1;
        assert!(admitted <= 10, "over the allowance");
    }
    assert_eq!(admitted, 10);
    assert_eq!(throttle::peek(&db, &key).await.unwrap().unwrap().count, 10);

    throttle::release(&db, &key).await.unwrap();
    assert_eq!(
        throttle::admit(&db, &key, cap).await.unwrap(),
        Admission::Admitted
    );
    assert!(matches!(
        throttle::admit(&db, &key, cap).await.unwrap(),
        Admission::Refused { wait } if wait > Duration::from_secs(50)
    ));

    let brief = Key::new("test/brief", &[CLIENT_B]);
    let short = Policy::Cap {
        max: 1,
        window: Duration::from_secs(1),
    };
    assert_eq!(
        throttle::admit(&db, &brief, short).await.unwrap(),
        Admission::Admitted
    );
    assert!(matches!(
        throttle::admit(&db, &brief, short).await.unwrap(),
        Admission::Refused { .. }
    ));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(throttle::peek(&db, &brief).await.unwrap(), None, "over");
    assert_eq!(
        throttle::admit(&db, &brief, short).await.unwrap(),
        Admission::Admitted,
        "a window that is over starts afresh"
    );
    assert_eq!(throttle::peek(&db, &brief).await.unwrap().unwrap().count, 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        throttle::prune(&db).await.unwrap(),
        1,
        "only the row that is over"
    );
    assert!(throttle::peek(&db, &key).await.unwrap().is_some());
}

/// The looser cap per address: one address spraying many accounts is
/// stopped there, other addresses are not, and correct passwords do not
/// count against it. (Small limits, so nothing needs hashing.)
async fn one_address_spraying_accounts_is_capped(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = test_db.connect().await;
    let limits = SignInThrottle {
        address: Policy::Cap {
            max: 3,
            window: Duration::from_secs(15 * 60),
        },
        ..SignInThrottle::default()
    };
    let (a, b) = (client(CLIENT_A), client(CLIENT_B));
    for i in 0..2 {
        let email = format!("guess{i}@example.com");
        assert_eq!(
            limits.admit(&db, &email, a).await.unwrap(),
            Admission::Admitted
        );
        limits.failed(&db, &email, a).await.unwrap();
    }
    // A correct sign-in from the same address gives its count back.
    assert_eq!(
        limits.admit(&db, ADMIN.0, a).await.unwrap(),
        Admission::Admitted
    );
    limits.succeeded(&db, ADMIN.0, a).await.unwrap();
    assert_eq!(
        limits.admit(&db, "guess2@example.com", a).await.unwrap(),
        Admission::Admitted
    );
    limits.failed(&db, "guess2@example.com", a).await.unwrap();
    match limits.admit(&db, "guess3@example.com", a).await.unwrap() {
        Admission::Refused { wait } => {
            assert!(wait > Duration::from_secs(14 * 60), "{wait:?}")
        }
        Admission::Admitted => panic!("a 4th account from the same address within the window"),
    }
    assert_eq!(
        limits.admit(&db, "guess3@example.com", b).await.unwrap(),
        Admission::Admitted,
        "another address is not affected"
    );
    // A check that never ran (the server too busy to hash) is given back whole.
    limits
        .not_checked(&db, "guess3@example.com", b)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            limits.admit(&db, "guess3@example.com", b).await.unwrap(),
            Admission::Admitted
        );
        limits.failed(&db, "guess3@example.com", b).await.unwrap();
    }
    assert!(matches!(
        limits.admit(&db, "guess3@example.com", b).await.unwrap(),
        Admission::Refused { .. }
    ));
}

both_backends!(
    wrong_pay_keys_count_per_client,
    an_untrusted_peer_cannot_name_its_client,
    sign_in_waits_per_account_and_client,
    two_processes_share_the_counts,
    counts_hold_under_concurrency,
    one_address_spraying_accounts_is_capped,
);
