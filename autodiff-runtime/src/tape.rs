//! Storage the reverse sweep reads back: tapes for values a loop overwrites.

/// A last-in, first-out store of primal values or control decisions.
///
/// Generated code keeps one tape per save site inside a loop: the forward
/// sweep pushes the value a statement is about to overwrite (or a branch
/// taken, or a trip count) and the reverse sweep pops it back, so each tape
/// holds one element type and stays contiguous.
#[derive(Debug, Clone)]
pub struct Tape<T> {
    data: Vec<T>,
}

impl<T> Default for Tape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Tape<T> {
    /// An empty tape; allocates nothing until the first push.
    #[inline]
    pub const fn new() -> Self {
        Tape { data: Vec::new() }
    }

    /// Makes room for `additional` more values (a loop's known trip count).
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        self.data.reserve(additional);
    }

    /// Records a value.
    #[inline(always)]
    pub fn push(&mut self, value: T) {
        self.data.push(value);
    }

    /// Takes back the most recent value.
    ///
    /// # Panics
    /// If the tape is empty, which generated code never does: the reverse
    /// sweep pops exactly what the forward sweep pushed.
    #[inline(always)]
    pub fn pop(&mut self) -> T {
        match self.data.pop() {
            Some(v) => v,
            None => tape_underflow(),
        }
    }

    /// Reverses the order of the last `count` values, so that they pop
    /// oldest first: for a loop whose reverse sweep runs its iterations in
    /// forward order.
    ///
    /// # Panics
    /// If the tape holds fewer than `count` values, which generated code
    /// never does: `count` is the trip count of the loop that pushed them.
    #[inline]
    pub fn reverse_last(&mut self, count: usize) {
        match self.data.len().checked_sub(count) {
            Some(start) => self.data[start..].reverse(),
            None => tape_underflow(),
        }
    }

    /// Number of values on the tape.
    #[inline]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tape is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

#[cold]
#[inline(never)]
fn tape_underflow() -> ! {
    panic!("autodiff internal error: a tape was read or written past its end; please report this")
}

/// A value saved once, inside a branch, for the reverse sweep: a tape of at
/// most one element that needs no `Default` (so it holds any array).
#[derive(Debug, Clone)]
pub struct Slot<T>(Option<T>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slot<T> {
    /// An empty slot.
    #[inline]
    pub const fn new() -> Self {
        Slot(None)
    }

    /// Saves a value.
    #[inline(always)]
    pub fn set(&mut self, value: T) {
        self.0 = Some(value);
    }

    /// Takes the saved value back.
    ///
    /// # Panics
    /// If nothing was saved, which generated code never does: the reverse
    /// sweep takes only what the same branch saved.
    #[inline(always)]
    pub fn take(&mut self) -> T {
        match self.0.take() {
            Some(v) => v,
            None => tape_underflow(),
        }
    }
}

/// The values a replayed loop keeps, read back in forward order.
///
/// A replayed loop's reverse sweep runs its iterations first to last (see
/// the macro's `replay`), so what one run of the loop keeps is read back
/// from the start of that run's segment. [`open`](Self::open) makes room for
/// the run (its trip count is known) and [`keep`](Self::keep) fills it, with
/// no call that could grow the buffer inside the loop, so the loop's values
/// stay in registers; [`rewind`](Self::rewind) finds the segment again (the
/// last `count` values), each [`read`](Self::read) reads one, and
/// [`finish`](Self::finish) drops it, which uncovers the segment of an
/// enclosing loop's earlier iteration.
#[derive(Debug, Clone)]
pub struct ReplayTape<T> {
    data: Vec<T>,
    /// The next value `keep` writes or `read` reads.
    cursor: usize,
    /// Where the segment being read starts.
    start: usize,
}

impl<T: Copy + Default> Default for ReplayTape<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + Default> ReplayTape<T> {
    /// An empty tape; allocates nothing until the first run.
    #[inline]
    pub const fn new() -> Self {
        ReplayTape {
            data: Vec::new(),
            cursor: 0,
            start: 0,
        }
    }

    /// Makes room for a run of the loop that keeps `count` values.
    #[inline]
    pub fn open(&mut self, count: usize) {
        self.cursor = self.data.len();
        self.data.resize(self.cursor + count, T::default());
    }

    /// Records a value in the room [`open`](Self::open) made, and gives it
    /// back.
    ///
    /// # Panics
    /// Past the room made, which generated code never does: a run keeps one
    /// value per iteration.
    #[inline(always)]
    pub fn keep(&mut self, value: T) -> T {
        match self.data.get_mut(self.cursor) {
            Some(slot) => *slot = value,
            None => tape_underflow(),
        }
        self.cursor += 1;
        value
    }

    /// Starts reading the last `count` values, oldest first.
    ///
    /// # Panics
    /// If fewer than `count` values are kept, which generated code never
    /// does: a replay reads as many values as the loop's run kept.
    #[inline]
    pub fn rewind(&mut self, count: usize) {
        match self.data.len().checked_sub(count) {
            Some(start) => (self.start, self.cursor) = (start, start),
            None => tape_underflow(),
        }
    }

    /// The next value of the segment.
    #[inline(always)]
    pub fn read(&mut self) -> T {
        match self.data.get(self.cursor) {
            Some(&v) => {
                self.cursor += 1;
                v
            }
            None => tape_underflow(),
        }
    }

    /// Drops the segment [`rewind`](Self::rewind) started.
    #[inline]
    pub fn finish(&mut self) {
        self.data.truncate(self.start);
    }
}

/// The number of iterations a loop over `iter` will run, for reserving tape
/// space up front (exact for ranges, `rev` and `step_by`).
#[inline]
pub fn trip_count<I: Iterator>(iter: &I) -> usize {
    iter.size_hint().0
}

#[cfg(test)]
mod tests {
    use super::ReplayTape;

    #[test]
    fn a_reversed_segment_pops_oldest_first() {
        let mut tape = super::Tape::new();
        for v in [1, 2, 3, 4, 5] {
            tape.push(v);
        }
        tape.reverse_last(3);
        assert_eq!([tape.pop(), tape.pop(), tape.pop()], [3, 4, 5]);
        assert_eq!(tape.pop(), 2);
        tape.reverse_last(1);
        assert_eq!(tape.pop(), 1);
        assert!(std::panic::catch_unwind(move || tape.reverse_last(1)).is_err());
    }

    #[test]
    fn a_replay_tape_reads_the_last_segment_oldest_first() {
        let mut tape = ReplayTape::new();
        tape.open(3);
        for v in [1.0, 2.0, 3.0] {
            assert_eq!(tape.keep(v), v);
        }
        tape.open(2);
        for v in [4.0, 5.0] {
            tape.keep(v);
        }
        tape.rewind(2);
        assert_eq!((tape.read(), tape.read()), (4.0, 5.0));
        tape.finish();
        tape.rewind(3);
        assert_eq!([tape.read(), tape.read(), tape.read()], [1.0, 2.0, 3.0]);
        tape.finish();
        tape.rewind(0);
        tape.finish();
    }

    #[test]
    #[should_panic(expected = "past its end")]
    fn rewinding_past_the_start_is_an_internal_error() {
        let mut tape = ReplayTape::<f64>::new();
        tape.open(1);
        tape.keep(1.0);
        tape.rewind(2);
    }

    #[test]
    #[should_panic(expected = "past its end")]
    fn keeping_past_the_room_made_is_an_internal_error() {
        let mut tape = ReplayTape::<f64>::new();
        tape.open(1);
        tape.keep(1.0);
        tape.keep(2.0);
    }
}
