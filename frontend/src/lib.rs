//! The wasm entry point. Only islands hydrate; `use app::*` keeps their
//! registrations linked into the bundle (without it they silently vanish).
#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
