//! The gradient of a loop-free scalar function allocates nothing: every
//! intermediate value lives in a local, no tape is created.
use autodiff::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[differentiate]
fn loop_free(x: f64, y: f64, z: f64) -> f64 {
    let mut a = x * y + z.exp();
    if a > 1.0 {
        let b = a.sqrt() * y;
        a = b + a.powi(2);
    } else {
        a = a.sin();
    }
    let c = if y > 0.0 { a * y } else { a / (1.0 + y * y) };
    a *= c;
    a.tanh() + x.max(z) + y.hypot(z)
}

#[test]
fn grad_of_a_loop_free_function_makes_no_heap_allocation() {
    let mut total = 0.0;
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    for (x, y) in [(0.5, 0.7), (-0.2, -1.5), (2.0, 0.1)] {
        let (v, (dx, dy, dz)) = loop_free_grad(x, y, 0.3);
        total += v + dx + dy + dz;
    }
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(total.is_finite());
    assert_eq!(after - before, 0, "loop_free_grad allocated");
}
