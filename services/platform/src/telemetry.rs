//! Logs and traces: a `tracing` subscriber for every process, OpenTelemetry
//! export over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and the W3C
//! trace context carried across the bus so one trace follows a report from the
//! citizen's request to the officer's inbox.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Where the spans that continue a caller's or a producer's trace are made.
const TRACE_CARRYING_MODULES: [&str; 2] = ["aduan_platform::http", "aduan_platform::bus::delivery"];

/// The header (HTTP and AMQP) that carries the W3C trace context.
pub const TRACEPARENT: &str = "traceparent";

/// Keeps the tracer provider alive; [`Telemetry::shutdown`] flushes spans.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    /// Flushes the spans not yet exported. Call once, at the end of `main`.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("flushing traces failed: {error}");
        }
    }
}

/// Installs the global subscriber for `service`. Spans always carry
/// OpenTelemetry ids, so the trace context propagates even when nothing is
/// exported. `json` switches log lines to JSON for log collectors.
pub fn init(service: &str, json: bool) -> anyhow::Result<Telemetry> {
    let mut builder = SdkTracerProvider::builder()
        .with_resource(opentelemetry_sdk::Resource::builder().with_service_name(format!("aduan-{service}")).build());
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
        builder = builder.with_batch_exporter(exporter);
    }
    let provider = builder.build();
    let tracer = provider.tracer("aduan");

    // The spans that carry the trace context across HTTP and the bus stay
    // enabled whatever RUST_LOG says: without them a quiet service would
    // break the trace it passes on. Their modules log nothing at info, so
    // this adds no log lines.
    let mut filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,lapin=warn,h2=warn,hyper=warn"));
    for module in TRACE_CARRYING_MODULES {
        filter = filter.add_directive(format!("{module}=info").parse()?);
    }
    let fmt_layer =
        if json { tracing_subscriber::fmt::layer().json().boxed() } else { tracing_subscriber::fmt::layer().boxed() };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_layer)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .try_init()?;
    Ok(Telemetry { provider })
}

/// The W3C `traceparent` of the current span, to store with outgoing work.
pub fn current_traceparent() -> Option<String> {
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&Span::current().context(), &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Makes `span` a child of the remote trace in `traceparent`, when there is one.
pub fn adopt_remote_parent(span: &Span, traceparent: Option<&str>) {
    let Some(traceparent) = traceparent else { return };
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let parent = TraceContextPropagator::new().extract(&carrier);
    // Fails only when the span is disabled by the filter; then there is nothing to link.
    let _ = span.set_parent(parent);
}

/// The trace id inside a `traceparent` value (`00-<trace id>-<span id>-<flags>`).
pub fn trace_id_of(traceparent: &str) -> Option<&str> {
    traceparent.split('-').nth(1).filter(|id| id.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::trace_id_of;

    #[test]
    fn reads_the_trace_id() {
        assert_eq!(
            trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(trace_id_of("garbage"), None);
    }
}
