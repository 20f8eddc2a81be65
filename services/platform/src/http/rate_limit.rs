//! Per-client rate limits for the endpoints anyone can reach (citizens'):
//! a client (its IP address, seen through the proxies we trust, see
//! [`TrustedProxies`]) may make a burst of requests, then so many a
//! minute; past that it is answered 429 with `Retry-After`. Limits live in
//! memory per process: with several replicas a client gets each replica's
//! allowance, which is fine for what this is for (stopping one script
//! flooding the system), not for billing.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Response;
use axum::response::IntoResponse as _;
use governor::middleware::NoOpMiddleware;
use tower_governor::GovernorError;
use tower_governor::GovernorLayer;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};

use super::client::TrustedProxies;
use super::error::ApiError;
use crate::config::RateLimit;

/// The layer that limits each client to `rate`, and the chore that forgets
/// clients not seen for a while (run it in the background until shutdown).
pub fn per_client(
    rate: RateLimit,
    proxies: TrustedProxies,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<(GovernorLayer<TrustedProxies, NoOpMiddleware, Body>, impl Future<Output = ()> + Send + 'static)> {
    anyhow::ensure!(rate.per_minute > 0 && rate.burst > 0, "a rate limit needs a rate and a burst above 0");
    let period = Duration::from_secs(60) / rate.per_minute;
    let config: Arc<GovernorConfig<TrustedProxies, NoOpMiddleware>> = Arc::new(
        GovernorConfigBuilder::default()
            .period(period)
            .burst_size(rate.burst)
            .key_extractor(proxies)
            .finish()
            .ok_or_else(|| anyhow::anyhow!("the rate limit {rate:?} cannot be built"))?,
    );
    let limiter = config.limiter().clone();
    let forget = async move {
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(60)) => limiter.retain_recent(),
            }
        }
    };
    Ok((GovernorLayer::new(config).error_handler(refusal), forget))
}

fn refusal(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => ApiError {
            retry_after: Some(wait_time.max(1)),
            ..ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests from your address; try again in {} s", wait_time.max(1)),
            )
        }
        .into_response(),
        GovernorError::UnableToExtractKey | GovernorError::Other { .. } => {
            ApiError::internal("the rate limiter could not tell the client apart").into_response()
        }
    }
}
