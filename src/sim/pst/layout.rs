//! Where everything lies in the file, computed before the first byte is sent, and the file
//! emitted from it in order, one allocation map region at a time ([MS-PST] 2.2.2.7).
//!
//! The file is the header and density list, then regions of 253 952 bytes, each starting with
//! its allocation map (and, every 8th region, the deprecated PMap; FMap and FPMap where the
//! specification puts them). Four pages are kept at every region's start for these, so that
//! the regions' content is regular:
//! - the built blocks, packed from region 0;
//! - the padding's units, 30 of 8192 bytes per region, from the next region on;
//! - the B-tree pages, block B-tree then node B-tree, leaves first, 492 per region.
//!
//! Only the built blocks' IDs, sizes and places are held: each node is built again when the
//! stream reaches it, and the padding and the B-tree pages over it are computed from their
//! index, so a file of any size streams in constant memory.

use bytes::Bytes;

use super::blocks::{self, Assembled, NodeEntry, Padding};
use super::messaging::Plan;
use super::ndb::{self, Bref, HeaderFields, PAGE};

const AMAP_FIRST: u64 = 0x4400;
const DENSITY_LIST: u64 = 0x4200;
const REGION: u64 = 0x3E000;
const RESERVED: u64 = 4 * PAGE;
const UNIT: u64 = 8192;
const UNITS_PER_REGION: u64 = (REGION - RESERVED) / UNIT;
const PAGES_PER_REGION: u64 = (REGION - RESERVED) / PAGE;
const BBT_LEAF: u64 = 20;
const NBT_LEAF: u64 = 15;
const FANOUT: u64 = 20;

fn region_start(r: u64) -> u64 {
    AMAP_FIRST + r * REGION
}

fn usable(r: u64) -> u64 {
    region_start(r) + RESERVED
}

/// A built block placed at `ib`; its data is built again when its region is emitted.
#[derive(Debug, Clone, Copy)]
struct Placed {
    bid: u64,
    ib: u64,
    cb: u16,
    node: u32,
}

/// The node whose blocks were built last, kept while the file streams past them: a node's
/// blocks are consecutive, and a large one spans regions.
#[derive(Debug, Default)]
pub struct NodeCache {
    node: Option<u32>,
    first: usize,
    blocks: Vec<(u64, Vec<u8>)>,
}

/// The pages of one B-tree: so many per level, leaves first.
#[derive(Debug, Clone)]
struct Tree {
    levels: Vec<u64>,
    first_page: u64,
}

impl Tree {
    fn new(entries: u64, leaf: u64, first_page: u64) -> Self {
        let mut levels = vec![entries.div_ceil(leaf).max(1)];
        while levels[levels.len() - 1] > 1 {
            levels.push(levels[levels.len() - 1].div_ceil(FANOUT));
        }
        Self { levels, first_page }
    }

    fn pages(&self) -> u64 {
        self.levels.iter().sum()
    }

    /// The page index of page `p` of `level`.
    fn page(&self, level: usize, p: u64) -> u64 {
        self.first_page + self.levels[..level].iter().sum::<u64>() + p
    }

    /// The level and position of page `j`, if it is this tree's.
    fn locate(&self, j: u64) -> Option<(usize, u64)> {
        let mut at = j.checked_sub(self.first_page)?;
        for (level, count) in self.levels.iter().enumerate() {
            if at < *count {
                return Some((level, at));
            }
            at -= count;
        }
        None
    }
}

/// The whole file's layout.
#[derive(Debug)]
pub struct Layout {
    plan: Plan,
    blocks: Vec<Placed>,
    nodes: Vec<NodeEntry>,
    padding: Padding,
    padding_region: u64,
    tree_region: u64,
    tree_slot: u64,
    bbt: Tree,
    nbt: Tree,
    eof: u64,
}

/// The end of a file whose content ends at `end`, padded with free space to `min_len`; never
/// inside a region's map pages, so that each region's maps are whole.
fn file_end(end: u64, min_len: u64) -> u64 {
    let eof = end.max(min_len);
    let into = (eof - AMAP_FIRST) % REGION;
    if into > 0 && into < RESERVED {
        eof - into + RESERVED
    } else {
        eof
    }
}

/// Where the built blocks end: the region of the last one and the offset past it.
fn place_blocks(assembled: &Assembled) -> (Vec<(u64, u64)>, u64, u64) {
    let mut region = 0;
    let mut cursor = usable(0);
    let mut at = Vec::with_capacity(assembled.blocks.len());
    for block in &assembled.blocks {
        let size = ndb::block_size(usize::from(block.cb));
        if cursor + size > region_start(region + 1) {
            region += 1;
            cursor = usable(region);
        }
        at.push((cursor, size));
        cursor += size;
    }
    (at, region, cursor)
}

/// The end of a file of `assembled` blocks and `padding`, without building it.
pub fn end_of(assembled: &Assembled, padding: &Padding) -> u64 {
    let (_, region, cursor) = place_blocks(assembled);
    Skeleton::new(assembled, padding, region, cursor).end
}

/// The parts of a layout that depend only on counts.
struct Skeleton {
    padding_region: u64,
    tree_region: u64,
    tree_slot: u64,
    bbt: Tree,
    nbt: Tree,
    end: u64,
}

impl Skeleton {
    fn new(assembled: &Assembled, padding: &Padding, region: u64, cursor: u64) -> Self {
        let units = padding.units();
        let padding_region = region + 1;
        let (tree_region, tree_slot) = if units == 0 {
            (region, (cursor - usable(region)).div_ceil(PAGE))
        } else {
            let last = padding_region + (units - 1) / UNITS_PER_REGION;
            (last, ((units - 1) % UNITS_PER_REGION + 1) * (UNIT / PAGE))
        };
        let bbt = Tree::new(assembled.blocks.len() as u64 + units, BBT_LEAF, 0);
        let nbt = Tree::new(assembled.nodes.len() as u64, NBT_LEAF, bbt.pages());
        let pages = bbt.pages() + nbt.pages();
        let last = tree_slot + pages - 1;
        let end =
            usable(tree_region + last / PAGES_PER_REGION) + (last % PAGES_PER_REGION + 1) * PAGE;
        Self {
            padding_region,
            tree_region,
            tree_slot,
            bbt,
            nbt,
            end,
        }
    }
}

impl Layout {
    /// Places `assembled`, the blocks of `plan`, and `padding` in a file of at least `min_len`
    /// bytes.
    pub fn new(plan: Plan, assembled: Assembled, padding: Padding, min_len: u64) -> Self {
        let (at, region, cursor) = place_blocks(&assembled);
        let skeleton = Skeleton::new(&assembled, &padding, region, cursor);
        let blocks = (assembled.blocks.iter().zip(at))
            .map(|(block, (ib, _))| Placed {
                bid: block.bid,
                ib,
                cb: block.cb,
                node: block.node,
            })
            .collect();
        Self {
            plan,
            blocks,
            nodes: assembled.nodes,
            padding,
            padding_region: skeleton.padding_region,
            tree_region: skeleton.tree_region,
            tree_slot: skeleton.tree_slot,
            bbt: skeleton.bbt,
            nbt: skeleton.nbt,
            eof: file_end(skeleton.end, min_len),
        }
    }

    /// NodeCache block `i`, encoded at its place; `cache` keeps its node's blocks for the next.
    fn block(&self, i: usize, cache: &mut NodeCache) -> Vec<u8> {
        let placed = self.blocks[i];
        if cache.node != Some(placed.node) {
            let first = self.blocks.partition_point(|b| b.node < placed.node);
            let (_, blocks) = blocks::node_blocks(
                &self.plan,
                &self.padding,
                placed.node as usize,
                first as u64,
            );
            *cache = NodeCache {
                node: Some(placed.node),
                first,
                blocks,
            };
        }
        match cache.blocks.get(i - cache.first) {
            Some((bid, data)) if *bid == placed.bid => ndb::block(data, placed.ib, placed.bid),
            // A node built twice gives the same blocks; were it not so, a zero-filled block
            // would fail its CRC rather than pass for another.
            _ => vec![0; ndb::block_size(usize::from(placed.cb)) as usize],
        }
    }

    /// The file's length.
    pub fn len(&self) -> u64 {
        self.eof
    }

    fn regions(&self) -> u64 {
        (self.eof - AMAP_FIRST).div_ceil(REGION)
    }

    fn unit_ib(&self, u: u64) -> u64 {
        usable(self.padding_region + u / UNITS_PER_REGION) + (u % UNITS_PER_REGION) * UNIT
    }

    fn page_ib(&self, j: u64) -> u64 {
        let slot = self.tree_slot + j;
        usable(self.tree_region + slot / PAGES_PER_REGION) + (slot % PAGES_PER_REGION) * PAGE
    }

    fn page_bid(j: u64) -> u64 {
        (j + 1) * ndb::BID_STEP
    }

    fn page_ref(&self, j: u64) -> Bref {
        Bref {
            bid: Self::page_bid(j),
            ib: self.page_ib(j),
        }
    }

    /// Entry `i` of the block B-tree: the built blocks, then the padding's units.
    fn bbt_entry(&self, i: u64) -> (Bref, u16) {
        match self.blocks.get(i as usize) {
            Some(b) => (
                Bref {
                    bid: b.bid,
                    ib: b.ib,
                },
                b.cb,
            ),
            None => {
                let u = i - self.blocks.len() as u64;
                (
                    Bref {
                        bid: self.padding.bid(u),
                        ib: self.unit_ib(u),
                    },
                    self.padding.data_len(u),
                )
            }
        }
    }

    /// Page `j` of the B-trees, encoded at its place.
    fn page(&self, j: u64) -> [u8; 512] {
        let Bref { bid, ib } = self.page_ref(j);
        let (tree, ptype, leaf, level, p) = match self.bbt.locate(j) {
            Some((level, p)) => (&self.bbt, ndb::PTYPE_BBT, BBT_LEAF, level, p),
            None => {
                let (level, p) = self.nbt.locate(j).unwrap_or((0, 0));
                (&self.nbt, ndb::PTYPE_NBT, NBT_LEAF, level, p)
            }
        };
        let is_bbt = ptype == ndb::PTYPE_BBT;
        let count = if is_bbt {
            self.blocks.len() as u64 + self.padding.units()
        } else {
            self.nodes.len() as u64
        };
        let mut entries = Vec::with_capacity(488);
        if level == 0 {
            for i in p * leaf..((p + 1) * leaf).min(count) {
                if is_bbt {
                    let (bref, cb) = self.bbt_entry(i);
                    ndb::bbt_entry(&mut entries, bref, cb);
                } else {
                    let n = self.nodes[i as usize];
                    ndb::nbt_entry(&mut entries, n.nid, n.data, n.sub, n.parent);
                }
            }
            return ndb::btree_page(ptype, 0, if is_bbt { 24 } else { 32 }, &entries, ib, bid);
        }
        // Each child's key is the key of its first entry: the first of its first leaf.
        let children = tree.levels[level - 1];
        let span = leaf * FANOUT.pow(level as u32 - 1);
        for c in p * FANOUT..((p + 1) * FANOUT).min(children) {
            let first = c * span;
            let key = if is_bbt {
                self.bbt_entry(first).0.bid
            } else {
                u64::from(self.nodes[first as usize].nid)
            };
            ndb::bt_entry(&mut entries, key, self.page_ref(tree.page(level - 1, c)));
        }
        ndb::btree_page(ptype, level as u8, 24, &entries, ib, bid)
    }

    /// The header of this layout.
    fn header(&self) -> Vec<u8> {
        let root = |tree: &Tree| self.page_ref(tree.page(tree.levels.len() - 1, 0));
        let mut next_nids = [0x400u32; 32];
        for node in &self.nodes {
            let kind = (node.nid & 0x1F) as usize;
            next_nids[kind] = next_nids[kind].max((node.nid >> 5) + 1);
        }
        let allocated: u64 = (self.blocks.iter())
            .map(|b| ndb::block_size(usize::from(b.cb)))
            .sum::<u64>()
            + self.padding.units() * UNIT
            + (self.bbt.pages() + self.nbt.pages()) * PAGE
            + self.regions() * PAGE;
        ndb::header(&HeaderFields {
            file_eof: self.eof,
            amap_last: region_start(self.regions() - 1),
            amap_free: (self.regions() * REGION).saturating_sub(allocated),
            nbt: root(&self.nbt),
            bbt: root(&self.bbt),
            next_page_bid: Self::page_bid(self.bbt.pages() + self.nbt.pages()),
            next_block_bid: (Padding::BASE + self.padding.units() + 1) * ndb::BID_STEP,
            next_nids,
        })
    }

    /// The bytes before the first region: the header and the density list.
    fn prefix(&self) -> Bytes {
        let mut out = vec![0u8; AMAP_FIRST as usize];
        out[..ndb::HEADER_LEN].copy_from_slice(&self.header());
        out[DENSITY_LIST as usize..AMAP_FIRST as usize]
            .copy_from_slice(&ndb::density_list(DENSITY_LIST));
        Bytes::from(out)
    }

    /// Region `r`, with its maps, cut at the end of the file.
    pub fn region(&self, r: u64, cache: &mut NodeCache) -> Bytes {
        let start = region_start(r);
        let end = (start + REGION).min(self.eof);
        let mut out = vec![0u8; (end - start) as usize];
        let mut bits = [0u8; 496];
        let mut mark = |out: &mut [u8], ib: u64, bytes: &[u8]| {
            let at = (ib - start) as usize;
            out[at..at + bytes.len()].copy_from_slice(bytes);
            for unit in at / 64..(at + bytes.len()).div_ceil(64) {
                bits[unit / 8] |= 0x80 >> (unit % 8);
            }
        };
        let first = self.blocks.partition_point(|b| b.ib < start);
        let last = self.blocks.partition_point(|b| b.ib < start + REGION);
        for i in first..last {
            mark(&mut out, self.blocks[i].ib, &self.block(i, cache));
        }
        if let Some(k) = r.checked_sub(self.padding_region) {
            let units = self.padding.units();
            for u in k * UNITS_PER_REGION..((k + 1) * UNITS_PER_REGION).min(units) {
                let ib = self.unit_ib(u);
                mark(&mut out, ib, &self.padding.encode(u, ib));
            }
        }
        if let Some(k) = r.checked_sub(self.tree_region) {
            let pages = self.bbt.pages() + self.nbt.pages();
            let first = (k * PAGES_PER_REGION).saturating_sub(self.tree_slot);
            let last = ((k + 1) * PAGES_PER_REGION)
                .saturating_sub(self.tree_slot)
                .min(pages);
            for j in first..last {
                mark(&mut out, self.page_ib(j), &self.page(j));
            }
        }
        // The map pages: AMap always, PMap every 8th region, FMap and FPMap where due.
        let pmap = r.is_multiple_of(8);
        let fmap = pmap && r >= 128 && (r - 128).is_multiple_of(496);
        let fpmap = pmap && r >= 128 * 64 && (r - 128 * 64).is_multiple_of(496 * 64);
        let maps = [
            (true, ndb::PTYPE_AMAP),
            (pmap, ndb::PTYPE_PMAP),
            (fmap, ndb::PTYPE_FMAP),
            (fpmap, ndb::PTYPE_FPMAP),
        ];
        // One bit per 64 bytes: a byte per page.
        for (slot, (present, _)) in maps.iter().enumerate() {
            if *present {
                bits[slot] = 0xFF;
            }
        }
        for (slot, (present, ptype)) in maps.into_iter().enumerate() {
            let at = slot * PAGE as usize;
            if !present || at >= out.len() {
                continue;
            }
            let content = match ptype {
                ndb::PTYPE_AMAP => bits,
                // Deprecated: every page and no free space, as [MS-PST] 2.2.2.7.3 says to write.
                ndb::PTYPE_PMAP | ndb::PTYPE_FPMAP => [0xFF; 496],
                _ => [0; 496],
            };
            let page = ndb::map_page(ptype, &content, start + at as u64);
            let len = (out.len() - at).min(512);
            out[at..at + len].copy_from_slice(&page[..len]);
        }
        Bytes::from(out)
    }

    /// The file, one region per chunk.
    pub fn chunks(self) -> impl Iterator<Item = Bytes> + Send {
        let prefix = self.prefix();
        let regions = self.regions();
        let mut cache = NodeCache::default();
        std::iter::once(prefix).chain((0..regions).map(move |r| self.region(r, &mut cache)))
    }

    /// What the B-trees say is allocated, as (offset, length): every block the block B-tree
    /// lists, at its size on disk, and every B-tree page.
    #[cfg(test)]
    pub fn allocations(&self) -> Vec<(u64, u64)> {
        let count = self.blocks.len() as u64 + self.padding.units();
        let blocks = (0..count).map(|i| {
            let (bref, cb) = self.bbt_entry(i);
            (bref.ib, ndb::block_size(usize::from(cb)))
        });
        let pages = (0..self.bbt.pages() + self.nbt.pages()).map(|j| (self.page_ib(j), PAGE));
        let mut all: Vec<(u64, u64)> = blocks.chain(pages).collect();
        all.sort_unstable();
        all
    }

    /// The regions of the file.
    #[cfg(test)]
    pub fn region_count(&self) -> u64 {
        self.regions()
    }

    /// The bytes at `offset`, up to the end of their region: the file read at random, as a
    /// reader does, without producing what comes before.
    #[cfg(test)]
    pub fn read_at(&self, offset: u64) -> Bytes {
        if offset < AMAP_FIRST {
            return self.prefix().slice(offset as usize..);
        }
        let r = (offset - AMAP_FIRST) / REGION;
        let region = self.region(r, &mut NodeCache::default());
        let at = ((offset - region_start(r)) as usize).min(region.len());
        region.slice(at..)
    }
}
