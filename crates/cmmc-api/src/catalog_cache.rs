//! The catalogue, served from memory as ready-made JSON.
//!
//! The reference data changes only when the seed runs. Each server keeps one
//! immutable [`CatalogView`] (the catalogue plus its pre-serialised JSON) and
//! swaps in a new one when the seeded checksum changes: at once after its own
//! seed, and within `catalog_refresh_secs` after another server's or an
//! operator's `cargo xtask seed`.

use std::sync::{Arc, RwLock};

use bytes::Bytes;
use cmmc_domain::Level;
use cmmc_services::catalog::{Catalog, PracticeFilter};
use cmmc_services::frameworks::Crosswalks;
use cmmc_services::{ServiceError, Services};

use crate::dto::{DomainDto, LevelDto, PracticeDto};

/// One loaded catalogue and its JSON.
#[derive(Debug)]
pub struct CatalogView {
    pub catalog: Catalog,
    pub(crate) domains_json: Bytes,
    pub(crate) levels_json: Bytes,
    /// One JSON object per practice, aligned with `catalog.practices`.
    pub(crate) practice_json: Vec<Bytes>,
    /// The unfiltered lists: all practices, then levels 1, 2 and 3.
    lists: [Bytes; 4],
    /// The framework crosswalks, loaded with the catalogue.
    pub crosswalks: Crosswalks,
}

impl CatalogView {
    fn build(catalog: Catalog, crosswalks: Crosswalks) -> Result<Self, serde_json::Error> {
        let domains: Vec<DomainDto<'_>> = catalog.domains.iter().map(DomainDto::from).collect();
        let levels: Vec<LevelDto<'_>> = catalog.levels.iter().map(LevelDto::from).collect();
        let domains_json = Bytes::from(serde_json::to_vec(&domains)?);
        let levels_json = Bytes::from(serde_json::to_vec(&levels)?);
        let practice_json = catalog
            .practices
            .iter()
            .map(|p| serde_json::to_vec(&PracticeDto::from(p)).map(Bytes::from))
            .collect::<Result<Vec<_>, _>>()?;
        let list = |level: Option<Level>| {
            join(catalog.practices.iter().zip(&practice_json).filter_map(|(practice, json)| {
                level.is_none_or(|level| practice.practice_id.level() == level).then_some(json)
            }))
        };
        let lists = [
            list(None),
            list(Some(Level::Foundational)),
            list(Some(Level::Advanced)),
            list(Some(Level::Expert)),
        ];
        Ok(Self { catalog, domains_json, levels_json, practice_json, lists, crosswalks })
    }

    /// The JSON array of the practices that pass `filter`.
    #[must_use]
    pub fn practices_json(&self, filter: &PracticeFilter) -> Bytes {
        if filter.domain.is_none() && filter.search.is_none() {
            let index =
                filter.level.map_or(0, |level| usize::try_from(level.number()).unwrap_or(0));
            if let Some(list) = self.lists.get(index) {
                return list.clone();
            }
        }
        let matching = self.catalog.practices_matching(filter).map(|p| p.practice_id);
        join(matching.filter_map(|id| {
            self.catalog
                .practices
                .binary_search_by_key(&id, |p| p.practice_id)
                .ok()
                .and_then(|index| self.practice_json.get(index))
        }))
    }

    /// The JSON object of one practice.
    #[must_use]
    pub fn practice_json(&self, practice_id: &str) -> Option<Bytes> {
        let practice = self.catalog.practice(practice_id)?;
        let index = self
            .catalog
            .practices
            .binary_search_by_key(&practice.practice_id, |p| p.practice_id)
            .ok()?;
        self.practice_json.get(index).cloned()
    }
}

/// Joins JSON objects into a JSON array.
fn join<'a>(objects: impl Iterator<Item = &'a Bytes>) -> Bytes {
    let mut out = Vec::with_capacity(4096);
    out.push(b'[');
    for (index, object) in objects.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(object);
    }
    out.push(b']');
    Bytes::from(out)
}

impl AsRef<Catalog> for CatalogView {
    fn as_ref(&self) -> &Catalog {
        &self.catalog
    }
}

/// The current [`CatalogView`], shared by every worker of a server.
#[derive(Debug)]
pub struct CatalogCache {
    current: RwLock<Arc<CatalogView>>,
}

impl CatalogCache {
    /// Loads the catalogue through `services`.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub async fn load(services: &Services) -> Result<Self, ServiceError> {
        let view = Self::load_view(services).await?;
        Ok(Self { current: RwLock::new(Arc::new(view)) })
    }

    async fn load_view(services: &Services) -> Result<CatalogView, ServiceError> {
        let catalog = services.load_catalog().await?;
        let crosswalks = services.load_crosswalks().await?;
        CatalogView::build(catalog, crosswalks).map_err(|err| ServiceError::Unexpected(err.into()))
    }

    /// The current view.
    #[must_use]
    pub fn get(&self) -> Arc<CatalogView> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            // A panic while swapping cannot leave a half-written Arc behind.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Reloads when the seeded checksum (of the catalogue or of the
    /// crosswalks) differs from the one in memory.
    /// Returns whether it reloaded.
    ///
    /// # Errors
    /// When the database cannot be read; the current view stays.
    pub async fn refresh_if_changed(&self, services: &Services) -> Result<bool, ServiceError> {
        let seeded = services.catalog_checksum().await?;
        let crosswalks = services.crosswalks_checksum().await?;
        let current = self.get();
        if seeded.as_deref() == current.catalog.checksum()
            && crosswalks == current.crosswalks.checksum
        {
            return Ok(false);
        }
        let view = Arc::new(Self::load_view(services).await?);
        match self.current.write() {
            Ok(mut guard) => *guard = view,
            Err(poisoned) => *poisoned.into_inner() = view,
        }
        Ok(true)
    }
}
