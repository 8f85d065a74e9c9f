//! [`Page`]: which slice of a list to answer, validated once, with one set
//! of limits for every list.

use crate::ServiceError;

/// A page of a list: its number (from 1) and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u64,
    per_page: u64,
}

impl Page {
    /// The highest page number (so page x size stays a sane offset).
    pub const MAX_NUMBER: u64 = 1_000_000;
    /// The most items a page holds.
    pub const MAX_PER_PAGE: u64 = 200;
    /// The size of a page when none is asked for.
    pub const DEFAULT_PER_PAGE: u64 = 50;

    /// Page `number` (default 1) of `per_page` items (default 50).
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] naming `page` or `per_page` when out of range.
    pub fn new(number: Option<u64>, per_page: Option<u64>) -> Result<Self, ServiceError> {
        let number = number.unwrap_or(1);
        let per_page = per_page.unwrap_or(Self::DEFAULT_PER_PAGE);
        if !(1..=Self::MAX_NUMBER).contains(&number) {
            return Err(ServiceError::invalid(
                "page",
                format!("must be 1 to {}", Self::MAX_NUMBER),
            ));
        }
        if !(1..=Self::MAX_PER_PAGE).contains(&per_page) {
            return Err(ServiceError::invalid(
                "per_page",
                format!("must be 1 to {}", Self::MAX_PER_PAGE),
            ));
        }
        Ok(Self { number, per_page })
    }

    /// The page number, from 1.
    #[must_use]
    pub const fn number(self) -> u64 {
        self.number
    }

    /// How many items the page holds at most.
    #[must_use]
    pub const fn per_page(self) -> u64 {
        self.per_page
    }

    /// How many items come before it.
    #[must_use]
    pub const fn offset(self) -> u64 {
        (self.number - 1) * self.per_page
    }
}

impl Default for Page {
    fn default() -> Self {
        Self { number: 1, per_page: Self::DEFAULT_PER_PAGE }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_checked_once_with_one_set_of_limits() {
        assert_eq!(Page::new(None, None).unwrap(), Page::default());
        let page = Page::new(Some(3), Some(20)).unwrap();
        assert_eq!((page.number(), page.per_page(), page.offset()), (3, 20, 40));
        assert!(Page::new(Some(1_000_000), Some(200)).is_ok());
        for (number, per_page, field) in [
            (Some(0), None, "page"),
            (Some(1_000_001), None, "page"),
            (None, Some(0), "per_page"),
            (None, Some(201), "per_page"),
        ] {
            match Page::new(number, per_page) {
                Err(ServiceError::InvalidInput { field: got, .. }) => assert_eq!(got, field),
                other => panic!("{other:?}"),
            }
        }
    }
}
