# frozen_string_literal: true

module OrionOS
  # One page of a list: +items+ (typed) and +pagination+ (+current_page+, +total_pages+,
  # +total_items+, +items_per_page+). Enumerable over this page's items;
  # +auto_paging_each+ / +each_page+ go on through every following page.
  class Page
    include Enumerable

    attr_reader :items, :pagination

    def initialize(data, item_class, &fetch)
      @data = data
      @items = Model.wrap(data["items"] || [], [item_class])
      @pagination = Pagination.new(data["pagination"] || {})
      @fetch = fetch
    end

    def each(&block)
      return enum_for(:each) unless block

      items.each(&block)
      self
    end

    def size
      items.size
    end

    # Other fields of the list's data (e.g. +ranking+ of a knowledge search).
    def [](key)
      @data[key.to_s]
    end

    def to_h
      @data
    end

    def inspect
      "#<#{self.class.name} items=#{items.size} pagination=#{pagination.to_h.inspect}>"
    end

    def next_page?
      current = pagination.current_page
      total = pagination.total_pages
      !@fetch.nil? && current.is_a?(Integer) && total.is_a?(Integer) && current < total
    end

    # The following page (nil after the last).
    def next_page
      next_page? ? @fetch.call(pagination.current_page + 1) : nil
    end

    # Yields this page, then every following one (fetched one at a time).
    def each_page
      return enum_for(:each_page) unless block_given?

      page = self
      while page
        yield page
        page = page.next_page
      end
    end

    # Yields every item of this page and of every following page.
    def auto_paging_each(&block)
      return enum_for(:auto_paging_each) unless block

      each_page { |page| page.items.each(&block) }
    end
  end
end
