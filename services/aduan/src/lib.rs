//! The one aduan binary's library: the modes it runs in (`dev`, `serve`), the
//! launcher of a local distributed cluster that the benchmark and the
//! end-to-end tests share, and the benchmark.

pub mod bench;
pub mod bench_hops;
pub mod ceilings;
pub mod child;
pub mod cluster;
pub mod dev;
pub mod figures_bench;
pub mod load;
pub mod operations;
pub mod page_bench;
pub mod serve;
pub mod services;
