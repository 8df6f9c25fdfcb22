//! Entity type names: Glue's managed types and the account's custom types.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};

/// A managed entity type, named as Glue names it.
///
/// Names that appear in the Glue API model (`PERSON_NAME`, `EMAIL`, `CREDIT_CARD`, `USA_SSN`,
/// `PHONE_NUMBER`, `IP_ADDRESS`, `MAC_ADDRESS`, `BANK_ACCOUNT`, `DATE`, `USA_PASSPORT_NUMBER`,
/// `USA_DRIVING_LICENSE`) are Glue's; the others follow Glue's published naming
/// (`<COUNTRY>_<DOCUMENT>`), and `AWS_ACCESS_KEY` and `URL` are Weir's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ManagedEntity {
    PersonName,
    Email,
    CreditCard,
    UsaSsn,
    PhoneNumber,
    IpAddress,
    MacAddress,
    Iban,
    BankAccount,
    UsaRoutingNumber,
    Url,
    VehicleIdentificationNumber,
    AwsAccessKey,
    /// A date with a birth context word nearby (a date of birth).
    Date,
    UsaPassportNumber,
    UsaDrivingLicense,
    UkPassportNumber,
    UkDrivingLicense,
    CanadaPassportNumber,
    CanadaDrivingLicense,
    GermanyPassportNumber,
    GermanyDrivingLicense,
    FrancePassportNumber,
    FranceDrivingLicense,
    IndiaPassportNumber,
    IndiaDrivingLicense,
}

/// Every managed type with its name; extra spellings Glue accepts are in [`ALIASES`].
const NAMES: &[(ManagedEntity, &str)] = &[
    (ManagedEntity::PersonName, "PERSON_NAME"),
    (ManagedEntity::Email, "EMAIL"),
    (ManagedEntity::CreditCard, "CREDIT_CARD"),
    (ManagedEntity::UsaSsn, "USA_SSN"),
    (ManagedEntity::PhoneNumber, "PHONE_NUMBER"),
    (ManagedEntity::IpAddress, "IP_ADDRESS"),
    (ManagedEntity::MacAddress, "MAC_ADDRESS"),
    (ManagedEntity::Iban, "IBAN"),
    (ManagedEntity::BankAccount, "BANK_ACCOUNT"),
    (ManagedEntity::UsaRoutingNumber, "USA_ROUTING_NUMBER"),
    (ManagedEntity::Url, "URL"),
    (
        ManagedEntity::VehicleIdentificationNumber,
        "VEHICLE_IDENTIFICATION_NUMBER",
    ),
    (ManagedEntity::AwsAccessKey, "AWS_ACCESS_KEY"),
    (ManagedEntity::Date, "DATE"),
    (ManagedEntity::UsaPassportNumber, "USA_PASSPORT_NUMBER"),
    (ManagedEntity::UsaDrivingLicense, "USA_DRIVING_LICENSE"),
    (ManagedEntity::UkPassportNumber, "UK_PASSPORT_NUMBER"),
    (ManagedEntity::UkDrivingLicense, "UK_DRIVING_LICENSE"),
    (
        ManagedEntity::CanadaPassportNumber,
        "CANADA_PASSPORT_NUMBER",
    ),
    (
        ManagedEntity::CanadaDrivingLicense,
        "CANADA_DRIVING_LICENSE",
    ),
    (
        ManagedEntity::GermanyPassportNumber,
        "GERMANY_PASSPORT_NUMBER",
    ),
    (
        ManagedEntity::GermanyDrivingLicense,
        "GERMANY_DRIVING_LICENSE",
    ),
    (
        ManagedEntity::FrancePassportNumber,
        "FRANCE_PASSPORT_NUMBER",
    ),
    (
        ManagedEntity::FranceDrivingLicense,
        "FRANCE_DRIVING_LICENSE",
    ),
    (ManagedEntity::IndiaPassportNumber, "INDIA_PASSPORT_NUMBER"),
    (ManagedEntity::IndiaDrivingLicense, "INDIA_DRIVING_LICENSE"),
];

/// Other accepted spellings: the API model's own `USA_SNN`, and short names.
const ALIASES: &[(&str, ManagedEntity)] = &[
    ("USA_SNN", ManagedEntity::UsaSsn),
    ("VIN", ManagedEntity::VehicleIdentificationNumber),
    ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", ManagedEntity::Iban),
];

impl ManagedEntity {
    /// Every managed entity type, in the order overlapping findings are preferred.
    pub fn all() -> impl Iterator<Item = ManagedEntity> {
        NAMES.iter().map(|(entity, _)| *entity)
    }

    /// Glue's name of the type.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(entity, _)| *entity == self)
            .map_or("", |(_, name)| name)
    }

    /// The managed type of a name or alias, case-sensitive as in Glue.
    pub fn from_name(name: &str) -> Option<ManagedEntity> {
        NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(entity, _)| *entity)
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == name)
                    .map(|(_, entity)| *entity)
            })
    }
}

/// An entity type to detect: managed, or a custom type created with CreateCustomEntityType.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    Managed(ManagedEntity),
    Custom(Arc<str>),
}

impl EntityType {
    /// The name written in `DetectedEntities` and accepted in `EntityTypesToDetect`.
    pub fn name(&self) -> &str {
        match self {
            EntityType::Managed(entity) => entity.name(),
            EntityType::Custom(name) => name,
        }
    }

    /// Resolves a name from `EntityTypesToDetect`: a managed type (or alias), else one of
    /// `custom_names`.
    pub fn resolve<'a>(
        name: &str,
        custom_names: impl IntoIterator<Item = &'a str>,
    ) -> Result<EntityType> {
        if let Some(managed) = ManagedEntity::from_name(name) {
            return Ok(EntityType::Managed(managed));
        }
        custom_names
            .into_iter()
            .find(|custom| *custom == name)
            .map(|custom| EntityType::Custom(Arc::from(custom)))
            .ok_or_else(|| Error::UnknownEntityType {
                name: name.to_owned(),
            })
    }
}

impl From<ManagedEntity> for EntityType {
    fn from(entity: ManagedEntity) -> Self {
        EntityType::Managed(entity)
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_managed_type_round_trips_through_its_name() {
        for entity in ManagedEntity::all() {
            assert_eq!(ManagedEntity::from_name(entity.name()), Some(entity));
        }
    }

    #[test]
    fn the_models_misspelt_ssn_is_accepted() {
        assert_eq!(
            ManagedEntity::from_name("USA_SNN"),
            Some(ManagedEntity::UsaSsn)
        );
        assert_eq!(ManagedEntity::UsaSsn.name(), "USA_SSN");
    }

    #[test]
    fn unknown_names_are_the_callers_mistake() {
        let err = EntityType::resolve("NOT_A_TYPE", ["EMPLOYEE_ID"]).unwrap_err();
        assert!(matches!(err, Error::UnknownEntityType { name } if name == "NOT_A_TYPE"));
        assert_eq!(
            EntityType::resolve("EMPLOYEE_ID", ["EMPLOYEE_ID"]).ok(),
            Some(EntityType::Custom(Arc::from("EMPLOYEE_ID")))
        );
    }
}
