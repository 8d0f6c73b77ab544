<?php
function greeting(array $user) {
    return "Hello " . $user['name'] . ", you have " . $count . " messages";
}
echo greeting(['id' => 5]);
