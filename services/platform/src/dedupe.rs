//! The record of messages a consumer has handled, written in the same
//! transaction as the handling's effect, so a redelivery changes nothing.

use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseTransaction, DbErr, EntityTrait, Set, entity::prelude::*};

/// One message handled by one consumer.
pub mod processed_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "processed_message")]
    pub struct Model {
        /// The consumer (queue) that handled the message.
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer: String,
        /// The envelope's message id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: Uuid,
        /// When the effect was committed.
        pub processed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whether the message is new to this consumer or was handled before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First time: apply the effect in this transaction.
    New,
    /// Handled before: do nothing and acknowledge.
    AlreadyHandled,
}

/// Records `message_id` as handled by `consumer` inside `txn`, in one
/// statement. Of two racing deliveries of one message, PostgreSQL makes the
/// second wait for the first to commit and then reports it handled.
pub async fn claim(txn: &DatabaseTransaction, consumer: &str, message_id: Uuid) -> Result<Claim, DbErr> {
    let row = processed_message::ActiveModel {
        consumer: Set(consumer.to_owned()),
        message_id: Set(message_id),
        processed_at: Set(chrono::Utc::now()),
    };
    let inserted = processed_message::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([processed_message::Column::Consumer, processed_message::Column::MessageId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok(if inserted == 0 { Claim::AlreadyHandled } else { Claim::New })
}
