//! Chunk reader: arbitrary framing, read through split reads of varying sizes.
#![no_main]
use boltc::bolt::chunk::ChunkReader;
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read};

/// Hands out at most `step` bytes per read.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    // Two control bytes: the read step and the buffer/limit sizes.
    let [step, sizes, rest @ ..] = data else {
        return;
    };
    let step = usize::from(*step).max(1);
    let capacity = 64 << (sizes & 0x07);
    let limit = 16 << (sizes >> 4);
    let mut reader = ChunkReader::new(capacity, limit);
    let mut src = Trickle { data: rest, step };
    for _ in 0..64 {
        match reader.read_message(&mut src) {
            Ok(msg) => assert!(msg.len() <= limit),
            Err(_) => break,
        }
    }
    // Raw reads (the handshake path) after whatever the framing left.
    let _ = reader.read_raw(&mut src, 4);
});
