# Rack app wrapped in ActionDispatch::DebugExceptions (the middleware that renders
# the Rails development error page), served by WEBrick on 127.0.0.1.
require 'action_dispatch'
require 'action_view'
require 'active_support/dependencies'
require_relative 'lib/billing'

class BillingApp
  def call(env)
    Billing::Invoice.new({ contact: {} }).recipient
    [200, {}, ['ok']]
  end
end

use(Class.new do
  def initialize(app) = @app = app
  def call(env)
    env['action_dispatch.show_detailed_exceptions'] = true
    env['action_dispatch.show_exceptions'] = true
    env['action_dispatch.logger'] = Logger.new(nil)
    env['action_dispatch.backtrace_cleaner'] = ActiveSupport::BacktraceCleaner.new
    @app.call(env)
  end
end)
use ActionDispatch::DebugExceptions
run BillingApp.new
