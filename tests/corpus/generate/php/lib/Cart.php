<?php
class Cart
{
    private array $items = [];

    public function add(string $sku, int $qty): void
    {
        if ($qty <= 0) {
            throw new InvalidArgumentException("Quantity for $sku must be positive, got $qty");
        }
        $this->items[$sku] = $qty;
    }

    public function checkout(PDO $db): void
    {
        $db->query("SELECT * FROM invoices WHERE cart_id = 42");
    }
}
