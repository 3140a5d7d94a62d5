use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub last_sign_in_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// `None` when the stored role is not one we know: such a row grants nothing.
    pub fn view(&self) -> Option<crate::staff::StaffView> {
        Some(crate::staff::StaffView {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            role: crate::staff::Role::parse(&self.role)?,
            active: self.active,
        })
    }
}
