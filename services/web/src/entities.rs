//! Web's own table: the browser sessions.

/// A browser's session.
pub mod web_session {
    use sea_orm::entity::prelude::*;

    /// One session: its id is what the cookie carries.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_session")]
    pub struct Model {
        /// The session id (128 random bits, base64).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// What the session holds, as JSON.
        #[sea_orm(column_type = "Text")]
        pub data: String,
        /// When it expires, in Unix seconds.
        #[sea_orm(indexed)]
        pub expires_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
