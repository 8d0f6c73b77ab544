require 'json'

module Billing
  class Invoice
    def initialize(customer)
      @customer = customer
    end

    def recipient
      @customer[:contact].fetch(:email)
    end
  end

  def self.parse_webhook(raw)
    JSON.parse(raw)
  end

  def self.load_key
    File.read('/opt/billing-rb/config/master.key')
  end
end
