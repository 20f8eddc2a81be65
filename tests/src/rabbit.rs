//! Talking to RabbitMQ directly: a vhost of a test's own, and raw messages.

use aduan_platform::bus::rabbit::Names;
use futures::StreamExt as _;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection, ConnectionProperties};

/// A vhost made for one test and deleted with it, so that closing its
/// connections disturbs no other test.
#[derive(Debug)]
pub struct TestVhost {
    /// Its name.
    pub name: String,
}

fn rabbitmqctl(args: &[&str]) {
    let output = std::process::Command::new("rabbitmqctl").args(args).output().expect("running rabbitmqctl");
    assert!(output.status.success(), "rabbitmqctl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

impl TestVhost {
    /// Creates the vhost and lets guest use it.
    pub fn create() -> Self {
        let name = format!("aduan-test-{}", uuid::Uuid::now_v7().simple());
        rabbitmqctl(&["add_vhost", &name]);
        rabbitmqctl(&["set_permissions", "-p", &name, "guest", ".*", ".*", ".*"]);
        Self { name }
    }

    /// The AMQP URL of the vhost.
    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:5672/{}", self.name)
    }

    /// Drops every client connection to the vhost, as a broker restart or a
    /// network cut would.
    pub fn close_all_connections(&self) {
        rabbitmqctl(&["close_all_connections", "--vhost", &self.name, "fault injected by a test"]);
    }
}

impl Drop for TestVhost {
    fn drop(&mut self) {
        let _ = std::process::Command::new("rabbitmqctl").args(["delete_vhost", &self.name]).output();
    }
}

/// Publishes a raw body on the cluster's exchange, confirmed.
pub async fn publish_raw(amqp_url: &str, namespace: &str, routing_key: &str, body: &[u8]) {
    let connection = Connection::connect(amqp_url, ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
    let confirm = channel
        .basic_publish(
            Names::new(namespace).exchange().into(),
            routing_key.into(),
            BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
            body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(matches!(confirm, lapin::Confirmation::Ack(None)), "the broker did not take the message: {confirm:?}");
    connection.close(200, "done".into()).await.unwrap();
}

/// Takes the first message of `queue` within 30 s, with its headers.
pub async fn take_one(amqp_url: &str, queue: &str) -> (Vec<u8>, FieldTable) {
    let connection = Connection::connect(amqp_url, ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "e2e-reader".into(),
            BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let delivery = tokio::time::timeout(std::time::Duration::from_secs(30), consumer.next())
        .await
        .unwrap_or_else(|_| panic!("nothing arrived on {queue} within 30 s"))
        .expect("the consumer ended")
        .expect("a delivery");
    let headers = delivery.properties.headers().clone().unwrap_or_default();
    connection.close(200, "done".into()).await.unwrap();
    (delivery.data, headers)
}

/// A text header's value.
pub fn header_text(headers: &FieldTable, name: &str) -> Option<String> {
    match headers.inner().get(name)? {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        _ => None,
    }
}

/// How many messages wait in `queue`.
pub async fn queue_depth(amqp_url: &str, queue: &str) -> u32 {
    let connection = Connection::connect(amqp_url, ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let declared = channel
        .queue_declare(
            queue.into(),
            lapin::options::QueueDeclareOptions { passive: true, ..Default::default() },
            FieldTable::default(),
        )
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();
    declared.message_count()
}
