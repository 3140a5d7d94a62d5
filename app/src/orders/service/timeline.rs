//! The order's timeline: what happened, when, and who did it.
use crate::orders::model::event;
use crate::orders::model::event::EventKind;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use time::OffsetDateTime;
pub async fn add_event<C: ConnectionTrait>(
    conn: &C,
    order_id: i32,
    kind: EventKind,
    message: &str,
    staff_id: Option<i32>,
) -> Result<(), DbErr> {
    event::ActiveModel {
        order_id: Set(order_id),
        kind: Set(kind),
        message: Set(message.to_owned()),
        staff_id: Set(staff_id),
        created_at: Set(OffsetDateTime::now_utc()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map(|_| ())
}
