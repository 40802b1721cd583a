//! From nodes to blocks: each node's data becomes data blocks under XBLOCKs and XXBLOCKs, its
//! subnodes an SLBLOCK or SIBLOCK tree, and every block gets its BID ([MS-PST] 2.2.2.8). BIDs
//! follow the plan's node order, so a node built again gets the same ones.
//!
//! The padding's blocks are not built here: they are [`Padding`] arithmetic, with BIDs above
//! every built block's, so that the block B-tree is the built blocks followed by the padding's.

use std::sync::OnceLock;

use super::messaging::Plan;
use super::ndb::{
    self, BID_INTERNAL, BID_STEP, MAX_BLOCK_DATA, MAX_SL_ENTRIES, MAX_TREE_ENTRIES, SubnodeEntry,
};
use super::node::{Data, Subnode};

/// A built block as the layout knows it: its BID, its data length and the node it is of.
#[derive(Debug, Clone, Copy)]
pub struct BlockInfo {
    pub bid: u64,
    pub cb: u16,
    /// The index of its node in the plan.
    pub node: u32,
}

/// A node B-tree entry.
#[derive(Debug, Clone, Copy)]
pub struct NodeEntry {
    pub nid: u32,
    pub data: u64,
    pub sub: u64,
    pub parent: u32,
}

/// The built blocks, in BID order, and the node B-tree's entries, in NID order: sizes and
/// references only, the data being built again when the file streams.
#[derive(Debug, Default)]
pub struct Assembled {
    pub blocks: Vec<BlockInfo>,
    pub nodes: Vec<NodeEntry>,
}

/// Builds every node of `plan` once, to learn its blocks' BIDs and sizes.
pub fn assemble(plan: &Plan, padding: &Padding) -> Assembled {
    let mut out = Assembled::default();
    for k in 0..plan.len() {
        let (entry, blocks) = node_blocks(plan, padding, k, out.blocks.len() as u64);
        out.nodes.push(entry);
        let infos = blocks.iter().map(|(bid, data)| BlockInfo {
            bid: *bid,
            cb: data.len() as u16,
            node: k as u32,
        });
        out.blocks.extend(infos);
    }
    out
}

/// Node `k`'s entry and its blocks (BID and data), its BIDs numbered after `before` blocks:
/// the same every time, so that the layout can build a node again when it is due.
pub fn node_blocks(
    plan: &Plan,
    padding: &Padding,
    k: usize,
    before: u64,
) -> (NodeEntry, Vec<(u64, Vec<u8>)>) {
    let node = plan.node(k);
    let mut builder = Builder {
        before,
        padding,
        out: Vec::new(),
    };
    let data = builder.data(node.data);
    let sub = builder.subnodes(node.subnodes);
    let entry = NodeEntry {
        nid: node.nid,
        data,
        sub,
        parent: node.parent,
    };
    (entry, builder.out)
}

/// One node's blocks being numbered.
struct Builder<'p> {
    before: u64,
    padding: &'p Padding,
    out: Vec<(u64, Vec<u8>)>,
}

impl Builder<'_> {
    fn add(&mut self, data: Vec<u8>, internal: bool) -> u64 {
        let index = self.before + self.out.len() as u64 + 1;
        let bid = (index * BID_STEP) | if internal { BID_INTERNAL } else { 0 };
        debug_assert!(
            bid < Padding::BASE * BID_STEP,
            "the padding's BIDs come after"
        );
        self.out.push((bid, data));
        bid
    }

    /// The BID of `data`'s top block.
    fn data(&mut self, data: Data) -> u64 {
        let blocks = match data {
            Data::Generated(piece) => return self.padding.top_bid(piece),
            Data::Blocks(blocks) => blocks,
        };
        if blocks.len() == 1 {
            let block = blocks.into_iter().next().unwrap_or_default();
            return self.add(block, false);
        }
        let lens: Vec<u64> = blocks.iter().map(|b| b.len() as u64).collect();
        let bids: Vec<u64> = blocks.into_iter().map(|b| self.add(b, false)).collect();
        // XBLOCKs over the data blocks, and an XXBLOCK over them when one is not enough.
        let mut xblocks = Vec::new();
        for (bids, lens) in bids
            .chunks(MAX_TREE_ENTRIES)
            .zip(lens.chunks(MAX_TREE_ENTRIES))
        {
            let total: u64 = lens.iter().sum();
            xblocks.push((self.add(ndb::data_tree(1, total as u32, bids), true), total));
        }
        if xblocks.len() == 1 {
            return xblocks[0].0;
        }
        let total: u64 = xblocks.iter().map(|x| x.1).sum();
        let bids: Vec<u64> = xblocks.iter().map(|x| x.0).collect();
        self.add(ndb::data_tree(2, total as u32, &bids), true)
    }

    /// The BID of the subnode tree of `subnodes`, or 0 when there are none.
    fn subnodes(&mut self, mut subnodes: Vec<Subnode>) -> u64 {
        if subnodes.is_empty() {
            return 0;
        }
        subnodes.sort_by_key(|s| s.nid);
        let mut entries = Vec::with_capacity(subnodes.len());
        for subnode in subnodes {
            let data = self.data(subnode.data);
            let sub = self.subnodes(subnode.subnodes);
            entries.push(SubnodeEntry {
                nid: subnode.nid,
                data,
                sub,
            });
        }
        let leaves: Vec<(u32, u64)> = entries
            .chunks(MAX_SL_ENTRIES)
            .map(|chunk| (chunk[0].nid, self.add(ndb::sl_block(chunk), true)))
            .collect();
        if leaves.len() == 1 {
            return leaves[0].1;
        }
        // An SIBLOCK holds 1021 SLBLOCKs of 340 subnodes: far more than a message has.
        self.add(ndb::si_block(&leaves), true)
    }
}

/// The padding: generated attachment data in pieces, each piece a data tree of data blocks
/// under XBLOCKs and one XXBLOCK, laid out as units of 8192 bytes.
#[derive(Debug, Clone, Default)]
pub struct Padding {
    /// Each piece's length.
    pub pieces: Vec<u64>,
}

/// One unit of the padding: a data block, an XBLOCK or an XXBLOCK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Data {
        len: usize,
    },
    XBlock {
        first: u64,
        count: usize,
        total: u32,
    },
    XXBlock {
        first: u64,
        count: usize,
        total: u32,
    },
}

/// The counts of one piece's units.
#[derive(Debug, Clone, Copy)]
struct Shape {
    data: u64,
    xblocks: u64,
    xxblocks: u64,
}

impl Shape {
    fn of(len: u64) -> Self {
        let data = len.div_ceil(MAX_BLOCK_DATA as u64).max(1);
        let xblocks = if data > 1 {
            data.div_ceil(MAX_TREE_ENTRIES as u64)
        } else {
            0
        };
        let xxblocks = u64::from(xblocks > 1);
        Self {
            data,
            xblocks,
            xxblocks,
        }
    }

    fn units(&self) -> u64 {
        self.data + self.xblocks + self.xxblocks
    }
}

impl Padding {
    /// The first padding BID's index: above any built block's.
    pub const BASE: u64 = 1 << 32;
    /// A piece's largest length: one attachment, whose size (a 32-bit value) it must fit.
    pub const PIECE: u64 = 1 << 31;

    /// Padding of `len` bytes, cut into pieces of [`Self::PIECE`].
    pub fn new(len: u64) -> Self {
        let mut pieces = vec![Self::PIECE; (len / Self::PIECE) as usize];
        if !len.is_multiple_of(Self::PIECE) {
            pieces.push(len % Self::PIECE);
        }
        Self { pieces }
    }

    /// The units before piece `piece`: every piece but the last is full-sized.
    fn start(&self, piece: usize) -> u64 {
        piece as u64 * Shape::of(Self::PIECE).units()
    }

    /// How many units all pieces take.
    pub fn units(&self) -> u64 {
        self.pieces.last().map_or(0, |last| {
            self.start(self.pieces.len() - 1) + Shape::of(*last).units()
        })
    }

    /// The BID of unit `u`.
    pub fn bid(&self, u: u64) -> u64 {
        let internal = !matches!(self.unit(u), Unit::Data { .. });
        ((Self::BASE + u) * BID_STEP) | if internal { BID_INTERNAL } else { 0 }
    }

    /// The BID of the top block of piece `piece`'s data tree.
    pub fn top_bid(&self, piece: u32) -> u64 {
        let piece = piece as usize;
        let shape = Shape::of(self.pieces.get(piece).copied().unwrap_or(0));
        self.bid(self.start(piece) + shape.units() - 1)
    }

    /// What unit `u` is.
    pub fn unit(&self, u: u64) -> Unit {
        let per_piece = Shape::of(Self::PIECE).units();
        let piece = (u / per_piece) as usize;
        let local = u % per_piece;
        let len = self.pieces.get(piece).copied().unwrap_or(0);
        let shape = Shape::of(len);
        let start = u - local;
        let block = MAX_BLOCK_DATA as u64;
        if local < shape.data {
            let taken = local * block;
            return Unit::Data {
                len: (len - taken).min(block) as usize,
            };
        }
        let x = local - shape.data;
        if x < shape.xblocks {
            let first = x * MAX_TREE_ENTRIES as u64;
            let count = (shape.data - first).min(MAX_TREE_ENTRIES as u64);
            let total = (len - first * block).min(count * block);
            return Unit::XBlock {
                first: start + first,
                count: count as usize,
                total: total as u32,
            };
        }
        Unit::XXBlock {
            first: start + shape.data,
            count: shape.xblocks as usize,
            total: len as u32,
        }
    }

    /// Unit `u` as a block at `ib`.
    pub fn encode(&self, u: u64, ib: u64) -> Vec<u8> {
        let bid = self.bid(u);
        match self.unit(u) {
            Unit::Data { len } if len == MAX_BLOCK_DATA => {
                let (pattern, crc) = pattern();
                ndb::block_with_crc(pattern, ib, bid, *crc)
            }
            Unit::Data { len } => ndb::block(&pattern().0[..len], ib, bid),
            Unit::XBlock {
                first,
                count,
                total,
            } => {
                let bids: Vec<u64> = (first..first + count as u64).map(|d| self.bid(d)).collect();
                ndb::block(&ndb::data_tree(1, total, &bids), ib, bid)
            }
            Unit::XXBlock {
                first,
                count,
                total,
            } => {
                let bids: Vec<u64> = (first..first + count as u64).map(|d| self.bid(d)).collect();
                ndb::block(&ndb::data_tree(2, total, &bids), ib, bid)
            }
        }
    }

    /// The data length of unit `u`, as the block B-tree records it.
    pub fn data_len(&self, u: u64) -> u16 {
        (match self.unit(u) {
            Unit::Data { len } => len,
            Unit::XBlock { count, .. } | Unit::XXBlock { count, .. } => 8 + 8 * count,
        }) as u16
    }
}

/// The padding's text, one full data block of it, and its CRC.
fn pattern() -> &'static (Vec<u8>, u32) {
    static PATTERN: OnceLock<(Vec<u8>, u32)> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let line = b"VBO365 simulator export padding: not backed-up data.\r\n";
        let data: Vec<u8> = line.iter().copied().cycle().take(MAX_BLOCK_DATA).collect();
        let crc = ndb::crc(&data);
        (data, crc)
    })
}

/// The padding's bytes from `offset`: what a reader of a padding attachment gets.
pub fn pattern_at(offset: u64, len: usize) -> Vec<u8> {
    let block = &pattern().0;
    let mut start = (offset % MAX_BLOCK_DATA as u64) as usize;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let take = (len - out.len()).min(block.len() - start);
        out.extend_from_slice(&block[start..start + take]);
        start = 0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_is_data_blocks_then_xblocks_then_one_xxblock() {
        let len = 3 * 1021 * MAX_BLOCK_DATA as u64 + 10;
        let padding = Padding::new(len);
        assert_eq!(padding.pieces, [len]);
        let data = 3 * 1021 + 1;
        assert_eq!(padding.units(), data + 4 + 1);
        assert_eq!(
            padding.unit(0),
            Unit::Data {
                len: MAX_BLOCK_DATA
            }
        );
        assert_eq!(padding.unit(data - 1), Unit::Data { len: 10 });
        assert_eq!(
            padding.unit(data + 3),
            Unit::XBlock {
                first: 3 * 1021,
                count: 1,
                total: 10
            }
        );
        match padding.unit(data + 4) {
            Unit::XXBlock {
                first,
                count,
                total,
            } => {
                assert_eq!((first, count, u64::from(total)), (data, 4, len));
            }
            other => panic!("not the XXBLOCK: {other:?}"),
        }
        assert_eq!(padding.top_bid(0), padding.bid(data + 4));
        assert_eq!(
            padding.bid(1) - padding.bid(0),
            BID_STEP,
            "data BIDs are consecutive"
        );
        assert_eq!(padding.bid(data) & BID_INTERNAL, BID_INTERNAL);
    }

    #[test]
    fn padding_past_a_piece_is_cut_into_pieces_that_each_have_a_tree() {
        let padding = Padding::new(2 * Padding::PIECE + 5);
        assert_eq!(padding.pieces, [Padding::PIECE, Padding::PIECE, 5]);
        let last = padding.units() - 1;
        assert_eq!(padding.unit(last), Unit::Data { len: 5 });
        assert_eq!(padding.top_bid(2), padding.bid(last));
        assert!(padding.top_bid(0) < padding.top_bid(1));
    }

    #[test]
    fn the_padding_text_repeats_block_by_block() {
        let across = pattern_at(MAX_BLOCK_DATA as u64 - 3, 6);
        assert_eq!(&across[..3], &pattern().0[MAX_BLOCK_DATA - 3..]);
        assert_eq!(&across[3..], &pattern().0[..3]);
    }
}
