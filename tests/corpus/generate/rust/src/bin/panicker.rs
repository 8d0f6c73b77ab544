//! Panics in a named thread so that the default panic hook prints
//! `thread 'x' panicked at src/bin/panicker.rs:L:C:` (run with RUST_BACKTRACE=1
//! for the backtrace). Argument selects which panic.
use std::collections::HashMap;

#[derive(Debug)]
struct Order {
    id: u64,
    customer_id: u64,
}

fn load_order(orders: &HashMap<u64, Order>, id: u64) -> &Order {
    orders.get(&id).expect("order must exist after payment callback")
}

fn parse_amount(s: &str) -> u64 {
    s.parse::<u64>().unwrap()
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "expect".into());
    let h = std::thread::Builder::new()
        .name("payment-worker".into())
        .spawn(move || match which.as_str() {
            "expect" => {
                let orders: HashMap<u64, Order> = HashMap::new();
                let o = load_order(&orders, 9142);
                println!("{} {}", o.id, o.customer_id);
            }
            "unwrap" => {
                println!("{}", parse_amount("12.50"));
            }
            "index" => {
                let v = vec![1u8, 2, 3];
                let i = std::env::args().count() + 6;
                println!("{}", v[i]);
            }
            _ => panic!("unknown mode {which}"),
        })
        .unwrap();
    let _ = h.join();
}
