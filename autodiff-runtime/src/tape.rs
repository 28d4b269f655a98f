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
    panic!("autodiff internal error: the reverse sweep read past the start of a tape; please report this")
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

/// The number of iterations a loop over `iter` will run, for reserving tape
/// space up front (exact for ranges, `rev` and `step_by`).
#[inline]
pub fn trip_count<I: Iterator>(iter: &I) -> usize {
    iter.size_hint().0
}
