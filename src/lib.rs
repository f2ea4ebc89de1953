//! tidings polls news sources, deduplicates their items in an embedded store, routes them into
//! topics and republishes one merged Atom feed per topic.
//!
//! # Layout
//!
//! The modules follow the path of one poll; each stage is a module and none calls the next:
//!
//! | stage        | module        | what it does                                             |
//! |--------------|---------------|----------------------------------------------------------|
//! | schedule     | [`schedule`]  | one cron job per source, in UTC                          |
//! | fetch        | [`fetch`]     | HTTP or file bytes, conditional GET, caps and deadlines  |
//! | parse        | [`parse`]     | feed-rs, guarded; wire types become [`model::ParsedFeed`] |
//! | normalise    | [`normalise`] | absolute links, sanitised HTML: a [`model::Item`]        |
//! | dedup        | [`dedup`]     | new, updated, or a story already told                    |
//! | route        | [`route`]     | which topics an item joins                               |
//! | store        | [`store`]     | sled, the only module that touches it                    |
//! | render       | [`render`]    | Atom 1.0, RSS 2.0, JSON Feed 1.1 per topic               |
//! | publish      | [`publish`]   | rendered once per change, compressed, paged history      |
//! | serve        | [`serve`]     | axum: feeds from memory, index page, health              |
//! | notify       | [`websub`]    | tells the WebSub hub which feeds changed                 |
//!
//! [`poll`] is the one orchestrator that runs the stages in order; [`daemon`] wires the scheduler,
//! the polls and the server together and drains them on shutdown. [`config`] reads the TOML file,
//! [`model`] holds the types that pass between stages, [`text`] the pure text helpers.

pub mod app;
pub mod canon;
pub mod config;
pub mod daemon;
pub mod dates;
pub mod dedup;
pub mod explain;
pub mod fetch;
pub mod model;
pub mod normalise;
pub mod pace;
pub mod parse;
pub mod poll;
pub mod preview;
pub mod publish;
pub mod render;
pub mod retain;
pub mod route;
pub mod schedule;
pub mod scrape;
pub mod serve;
pub mod similar;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod websub;
