//! The HTML document and the route table.
use crate::catalog::admin::{CatalogPage, ImportPage, ProductPage};
use crate::customers::pages::{CustomerPage, CustomersPage};
use crate::orders::list::OrdersPage;
use crate::pos::order::OrderPage;
use crate::pos::page::PosPage;
use crate::settings::pages::SettingsPage;
use crate::setup::pages::HomePage;
use crate::staff::pages::{AccountPage, LoginPage, StaffListPage};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <link rel="stylesheet" id="leptos" href=stylesheet_href(&options)/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The site's stylesheet, under the versioned directory the server chose
/// (`server::assets`): every page, the pay page included, links this one.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// Each page gets a fresh script nonce, and a Content-Security-Policy that allows
/// only scripts carrying it (Leptos puts it on its hydration scripts), so
/// injected markup can never run script.
#[cfg(feature = "ssr")]
fn set_page_csp() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(state), Some(opts)) = (
        leptos::nonce::use_nonce(),
        use_context::<crate::state::AppState>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let csp = state.csp_template.replace("{nonce}", &nonce.to_string());
    if let Ok(value) = http::HeaderValue::from_str(&csp) {
        opts.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Staff pages render after their data (SsrMode::Async) so that a missing
    // session can still turn into a redirect and a wrong role into a 403.
    view! {
        <Title text="Settle"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/pos") view=PosPage ssr=SsrMode::Async/>
                <Route path=path!("/orders") view=OrdersPage ssr=SsrMode::Async/>
                <Route path=path!("/orders/:number") view=OrderPage ssr=SsrMode::Async/>
                <Route path=path!("/catalog") view=CatalogPage ssr=SsrMode::Async/>
                <Route path=path!("/catalog/new") view=ProductPage ssr=SsrMode::Async/>
                <Route path=path!("/catalog/import") view=ImportPage ssr=SsrMode::Async/>
                <Route path=path!("/catalog/:id") view=ProductPage ssr=SsrMode::Async/>
                <Route path=path!("/customers") view=CustomersPage ssr=SsrMode::Async/>
                <Route path=path!("/customers/new") view=CustomerPage ssr=SsrMode::Async/>
                <Route path=path!("/customers/:id") view=CustomerPage ssr=SsrMode::Async/>
                <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                <Route path=path!("/staff") view=StaffListPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="auth">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Go to Settle"</a></p>
        </main>
    }
}
